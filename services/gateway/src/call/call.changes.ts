import type { Logger } from '../logger.js';

/**
 * Tells the gateway's persistence after every change of calls or ACD state. A listener that throws is logged, never
 * raised into the call handling that reported the change.
 */
export class CallChanges {
  constructor(
    private readonly listener: () => void,
    private readonly log: Logger,
  ) {}

  changed(): void {
    try {
      this.listener();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'change hook failed');
    }
  }
}
