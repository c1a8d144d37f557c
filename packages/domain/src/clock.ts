/** Source of the current time in epoch milliseconds; injected so rules are testable without waiting. */
export interface Clock {
  now(): number;
}

/** The wall clock, for production wiring only. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = 0) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
