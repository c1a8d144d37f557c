/** What an acquisition of the lease came to. */
export type AcquireResult =
  /** This process holds the lease now, with a new epoch; `holder` is the stored value `<epoch>:<instanceId>`. */
  | { won: true; epoch: number; holder: string }
  /** Someone else holds it (`holder`, the value found). */
  | { won: false; holder: string };

/** What a renewal came to. */
export type RenewResult =
  /** Extended (or set again: it had lapsed and nobody took it); `standbyWatching`: a standby refreshed its marker lately. */
  | { renewed: true; standbyWatching: boolean }
  /** Refused: `holder` holds it now (null: nobody, but the epoch moved on: another process took it meanwhile). */
  | { renewed: false; holder: string | null };

/** What a standby sees of the lease. */
export interface LeaseObservation {
  /** The holder's value, or null when nobody holds the lease. */
  holder: string | null;
  /** The holder's heartbeat address `host:port`, when the holder advertised one. */
  heartbeat: string | null;
}

/** The shared lease of the active gateway (leader-lease.redis.ts); every method rejects when the store is away. */
export interface LeaderLeaseStore {
  /**
   * Takes the lease with a new epoch when nobody holds it, or — `takeOverFrom` — when it still names exactly that
   * holder (a standby that saw the holder's process die).
   */
  acquire(instanceId: string, leaseMs: number, takeOverFrom?: string): Promise<AcquireResult>;
  /** Extends the lease while it is still `holder`'s (`heartbeat`: the address standbys watch, written beside it). */
  renew(holder: string, epoch: number, leaseMs: number, heartbeat: string | null): Promise<RenewResult>;
  /** Gives the lease up, only while it is still `holder`'s; true when it was. */
  release(holder: string): Promise<boolean>;
  /** A standby's look at the lease, which also tells the holder (for `markerMs`) that a standby is watching. */
  observe(instanceId: string, markerMs: number): Promise<LeaseObservation>;
}

/**
 * How a watched heartbeat connection ended: closed after it was open or refused (nobody listens there: the holder's
 * process is gone), or unreachable (no answer in time: says nothing about the holder, which may be frozen).
 */
export type HeartbeatLoss = 'closed' | 'refused' | 'unreachable';

/** The TCP heartbeat between the active gateway and its standbys (leader-heartbeat.tcp.ts). */
export interface LeaderHeartbeat {
  /** The active's listener; resolves with the address standbys connect to. */
  listen(host: string, port: number): Promise<string>;
  /** Connections standbys hold to this process's listener now. */
  watchers(): number;
  /** A standby's connection to `address`; `onLost` is called once when it ends. Returns the function that stops watching. */
  watch(address: string, onLost: (how: HeartbeatLoss) => void): () => void;
  /** Closes the listener and its connections. */
  close(): Promise<void>;
}
