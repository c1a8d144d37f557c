import AsteriskManager from 'asterisk-manager';
import type { AdapterLogger } from './ari.adapter.js';

/** Where and as whom to reach AMI. */
export interface AmiSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Milliseconds an action may take before it is failed. */
  actionTimeoutMs?: number;
}

/** One AMI event with lower-case keys, as asterisk-manager delivers them. */
export type AmiEvent = Record<string, string> & { event: string };

/**
 * asterisk-manager behind a promise-based port: actions time out, nothing is buffered while
 * disconnected (an action then fails at once), and reconnection is supervised here with capped backoff.
 */
export class AmiClient {
  private manager: any;
  private connected = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(e: AmiEvent) => void>();
  private readonly connectionListeners = new Set<(up: boolean) => void>();

  constructor(
    private readonly settings: AmiSettings,
    private readonly log: AdapterLogger,
  ) {}

  /** Whether AMI is connected and logged in. */
  isUp(): boolean {
    return this.connected;
  }

  /** Subscribes to every AMI event. */
  onEvent(listener: (e: AmiEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Subscribes to connection changes. */
  onConnection(listener: (up: boolean) => void): void {
    this.connectionListeners.add(listener);
  }

  /** Starts connecting; keeps reconnecting until stop(). */
  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Disconnects and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    try {
      this.manager?.disconnect();
    } catch {
      /* already closed */
    }
    this.setConnected(false);
  }

  private setConnected(up: boolean): void {
    if (this.connected === up) return;
    this.connected = up;
    for (const l of this.connectionListeners) l(up);
  }

  private connect(): void {
    if (this.stopped) return;
    const { host, port, user, password } = this.settings;
    const manager = new AsteriskManager(port, host, user, password, true);
    this.manager = manager;
    let loggedIn = false;
    manager.on('managerevent', (e: AmiEvent) => {
      if (manager !== this.manager) return;
      if (!loggedIn && e.event === 'FullyBooted') {
        loggedIn = true;
        this.attempt = 0;
        this.setConnected(true);
      }
      for (const l of this.listeners) {
        try {
          l(e);
        } catch (err) {
          this.log.error({ err: (err as Error).message, event: e.event }, 'AMI event handler failed');
        }
      }
    });
    manager.on('error', (err: Error) => {
      if (manager === this.manager) this.log.warn({ err: err.message, host, port }, 'AMI connection error');
    });
    manager.on('close', () => {
      if (manager !== this.manager) return;
      this.setConnected(false);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.attempt, 6));
    this.attempt++;
    this.retryTimer = setTimeout(() => {
      try {
        this.manager?.disconnect();
      } catch {
        /* closed */
      }
      this.connect();
    }, delay);
  }

  /** Sends an action and resolves with its response; rejects when not connected, on error, or after the timeout. */
  action(fields: Record<string, string | number>): Promise<Record<string, string>> {
    if (!this.connected) return Promise.reject(new Error('AMI not connected'));
    const timeoutMs = this.settings.actionTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`AMI action ${fields.action} timed out after ${timeoutMs} ms`)), timeoutMs);
      this.manager.action(fields, (err: unknown, res: Record<string, string>) => {
        clearTimeout(timer);
        if (err) reject(new Error(`AMI action ${fields.action} failed: ${JSON.stringify(err)}`));
        else resolve(res);
      });
    });
  }

  /**
   * Runs a list action (rows arrive as events carrying our ActionID, then a `...Complete` event)
   * and resolves with the rows.
   */
  async listAction(fields: Record<string, string | number>, rowEvent: string): Promise<AmiEvent[]> {
    const actionId = `cti-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const rows: AmiEvent[] = [];
    const timeoutMs = this.settings.actionTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const listener = (e: AmiEvent) => {
        if (e.actionid !== actionId) return;
        if (e.event === rowEvent) rows.push(e);
        else if (/Complete$/.test(e.event)) {
          cleanup();
          resolve(rows);
        }
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`AMI list ${fields.action} timed out`));
      }, timeoutMs);
      this.listeners.add(listener);
      this.action({ ...fields, actionid: actionId }).catch((err) => {
        cleanup();
        reject(err);
      });
    });
  }
}
