// A citizen who keeps pressing one key until the centre hangs up (the caller's rating, test/rating.e2e.ts). SIPp plays
// RFC 2833 keys from pcap files, and Asterisk ignores an event whose RTP timestamp equals the last one it took (a
// retransmitted end), so replaying Debian's one pcap per key presses once only. Here each press gets its own copy of
// the pcap with the RTP timestamp and sequence numbers moved on, and the scenario presses every 1.5 s until the BYE.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const PCAP_HEADER = 24;
const RECORD_HEADER = 16;
/** Ethernet, IPv4 and UDP headers before the RTP header in Debian's sip-tester DTMF pcaps. */
const RTP_AT = 14 + 20 + 8;

/** Copies of Debian's pcap for `digit`, press k moved on by k seconds of RTP time; returns their paths. */
function shiftedPcaps(dir: string, digit: string, presses: number): string[] {
  const original = readFileSync(`/usr/share/sip-tester/dtmf_2833_${digit}.pcap`);
  return Array.from({ length: presses }, (_, k) => {
    const copy = Buffer.from(original);
    for (let off = PCAP_HEADER; off + RECORD_HEADER <= copy.length; ) {
      const len = copy.readUInt32LE(off + 8);
      const rtp = off + RECORD_HEADER + RTP_AT;
      copy.writeUInt16BE((copy.readUInt16BE(rtp + 2) + k * 50) & 0xffff, rtp + 2); // sequence
      copy.writeUInt32BE((copy.readUInt32BE(rtp + 4) + k * 8000) >>> 0, rtp + 4); // timestamp (8 kHz)
      off += RECORD_HEADER + len;
    }
    const file = join(dir, `dtmf-${digit}-${k}.pcap`);
    writeFileSync(file, copy);
    return file;
  });
}

/**
 * Writes a SIPp caller scenario into `dir` that presses `digit` every 1.5 s from the answer on (a key while still
 * talking to the agent means nothing) until the centre hangs up, at most `presses` times; returns its path.
 */
export function writeKeyPressingCaller(dir: string, digit: string, presses: number): string {
  mkdirSync(dir, { recursive: true });
  const pcaps = shiftedPcaps(dir, digit, presses);
  const template = readFileSync(join(__dirname_of(), '../sipp/caller-rating.xml'), 'utf8');
  const steps = pcaps
    .map((p, k) => `  <label id="press${k}"/>
  <nop><action><exec play_pcap_audio="${p}"/></action></nop>
  <recv request="BYE" timeout="1500" ontimeout="press${k + 1}" next="bye"/>`)
    .join('\n');
  const scenario = template.replace(/<!-- PRESSES[\s\S]*<!-- \/PRESSES -->/, `${steps}\n  <label id="press${presses}"/>\n  <recv request="BYE"/>\n  <label id="bye"/>`);
  const file = join(dir, 'caller-rating.xml');
  writeFileSync(file, scenario);
  return file;
}

function __dirname_of(): string {
  return new URL('.', import.meta.url).pathname;
}

/** `file` as placeCalls names a scenario (relative to test/sipp, without .xml). */
export function scenarioName(root: string, file: string): string {
  return relative(join(root, 'test/sipp'), file).replace(/\.xml$/, '');
}
