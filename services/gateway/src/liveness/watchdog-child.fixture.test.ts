// A process under the event-loop watchdog (3 s allowance), for event-loop.watchdog.spec.ts (run with tsx):
//   stall  the main loop spins for ever (the watchdog must kill it);
//   busy   the main loop works in 0.1 s chunks of CPU time for 1.5 s of CPU, then exits 0; the spec suspends the
//          process meanwhile, so on resumption the main loop is most likely mid-chunk while the watchdog looks.
import { startEventLoopWatchdog } from './event-loop.watchdog.js';

startEventLoopWatchdog({ maxLagMs: 3_000 });
process.stdout.write('ready\n');
if (process.argv[2] === 'stall') {
  // A stuck handler never returns. (It once stopped after 20 s of wall time: on a host loaded enough that the main
  // thread got a few per cent of a CPU, the watchdog rightly waited for CPU-time evidence and the child exited first.)
  for (;;) {
    /* a stuck handler */
  }
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
