/** The slice of ARI the heartbeat needs (AriTelephony fits): setting an Asterisk global variable. */
export interface GlobalVariableSetter {
  setGlobalVar(name: string, value: string): Promise<void>;
}

/** The slice of a logger the heartbeat uses. */
interface HeartbeatLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** The dialplan global [cti-inbound] compares with ${EPOCH} (asterisk-conf/extensions.conf). */
export const HEARTBEAT_VARIABLE = 'CTI_GW_HEARTBEAT';

/**
 * Sets CTI_GW_HEARTBEAT to the current epoch second every second while the gateway serves (ARI connected). A gateway
 * that hangs stops beating with its event loop, and after CTI_GW_HEARTBEAT_STALE_S the dialplan sends new callers to
 * the fallback queue instead of into a Stasis application nobody serves.
 */
export class DialplanHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private failing = false;

  constructor(
    private readonly ari: GlobalVariableSetter,
    /** Whether this gateway serves calls now (ARI up); no beat otherwise. */
    private readonly serving: () => boolean,
    private readonly now: () => number,
    private readonly log: HeartbeatLogger,
    private readonly periodMs = 1_000,
  ) {}

  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.beat(), this.periodMs);
    void this.beat();
  }

  /** Stops beating (at shutdown: new callers go to the fallback once the last beat is stale). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Stops beating and sets the heartbeat to 0 (stale at once), for a gateway stopping with no standby behind it: new
   * callers go straight to the fallback queue instead of retrying Stasis() for a gateway that is not coming back
   * (with a standby watching, the retry is what carries them over to it). Never throws.
   */
  async retire(): Promise<void> {
    this.stop();
    try {
      await this.ari.setGlobalVar(HEARTBEAT_VARIABLE, '0');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'dialplan heartbeat not cleared; new callers go to the fallback queue once it is stale');
    }
  }

  /** One beat now (also right after ARI connects, so new callers reach Stasis at once); never throws. */
  async beat(): Promise<void> {
    if (!this.serving() || this.inFlight) return;
    this.inFlight = true;
    try {
      await this.ari.setGlobalVar(HEARTBEAT_VARIABLE, String(Math.floor(this.now() / 1000)));
      if (this.failing) this.log.info({}, 'dialplan heartbeat set again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn({ err: (err as Error).message }, 'dialplan heartbeat not set; new callers go to the fallback queue once it is stale');
      this.failing = true;
    } finally {
      this.inFlight = false;
    }
  }
}
