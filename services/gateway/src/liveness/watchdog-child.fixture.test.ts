// A process under the event-loop watchdog (3 s allowance), for event-loop.watchdog.spec.ts (run with tsx):
//   stall  the main loop spins for 20 s (the watchdog must kill it long before);
//   busy   the main loop works in 0.1 s chunks of CPU time for 1.5 s of CPU, then exits 0; the spec suspends the
//          process meanwhile, so on resumption the main loop is most likely mid-chunk while the watchdog looks.
import { startEventLoopWatchdog } from './event-loop.watchdog.js';

startEventLoopWatchdog({ maxLagMs: 3_000 });
process.stdout.write('ready\n');
if (process.argv[2] === 'stall') {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    /* a stuck handler */
  }
  process.exit(0);
} else {
  let chunks = 0;
  const chunk = () => {
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 100_000) {
      /* CPU work: time spent suspended does not count */
    }
    if (++chunks === 15) process.exit(0);
    setTimeout(chunk, 0);
  };
  chunk();
}
