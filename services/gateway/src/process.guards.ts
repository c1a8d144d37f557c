/** The slice of `process` the guard listens on. */
export interface ProcessEvents {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

/** Where the guard reports (pino fits). */
export interface GuardLog {
  error(o: object, msg: string): void;
}

/**
 * Keeps a promise rejection nobody awaited from taking the gateway down (Node's default exits the process, ending
 * every call the gateway serves): it is logged with its error code and stack instead. Causes are fixed where they
 * are found (publish() never rejects, for one); this is the last line, so one missed path costs a log line, not
 * the hotline.
 */
export function guardUnhandledRejections(proc: ProcessEvents, log: GuardLog): void {
  proc.on('unhandledRejection', (reason) => {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    log.error({ err: err.message, code: (err as { code?: string }).code, stack: err.stack }, 'unhandled promise rejection: logged, gateway keeps serving calls');
  });
}
