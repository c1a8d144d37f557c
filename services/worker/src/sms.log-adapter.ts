import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One text message to a citizen. */
export interface SmsMessage {
  id: string;
  kind: string;
  to: string;
  body: string;
}

/** Sends SMS; a carrier or SMS-gateway adapter plugs in here later. */
export interface SmsPort {
  send(message: SmsMessage): Promise<void>;
}

/** The development and test adapter: appends one JSON line per message to a file. */
export class LogFileSmsAdapter implements SmsPort {
  constructor(
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  async send(message: SmsMessage): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify({ at: new Date(this.now()).toISOString(), ...message })}\n`, 'utf8');
  }
}
