import type { AmiClient, AmiEvent } from './ami.adapter.js';

/** Reachability of one carrier trunk as AMI reports it. */
export interface TrunkStatus {
  status: 'up' | 'down' | 'unknown';
  /** Qualify round-trip in ms, when known. */
  rttMs: number | null;
  /** When the status last changed (epoch ms). */
  since: number;
}

const REACHABLE = new Set(['Reachable', 'Created', 'Updated']);

/**
 * Tracks the primary and backup trunks from AMI ContactStatus events (these only come when the
 * AOR has qualify_frequency set) and a PJSIPShowEndpoint snapshot of each trunk at every (re)connect.
 */
export class TrunkMonitor {
  private readonly trunks = new Map<string, TrunkStatus>();

  constructor(
    private readonly ami: AmiClient,
    private readonly names: string[],
    private readonly now: () => number,
    private readonly onChange: (trunk: string, status: TrunkStatus) => void = () => undefined,
  ) {
    for (const n of names) this.trunks.set(n, { status: 'unknown', rttMs: null, since: now() });
    ami.onEvent((e) => this.handle(e));
    ami.onConnection((up) => {
      if (up) void this.refresh();
    });
  }

  /** Current status of every trunk. */
  snapshot(): Record<string, TrunkStatus> {
    return Object.fromEntries(this.trunks);
  }

  /** Re-reads every contact's status. */
  async refresh(): Promise<void> {
    try {
      // PJSIPShowContacts lists no static (AOR `contact=`) contacts — "No Contacts found" for the trunks — so a
      // restarted gateway never learned a trunk's state until it changed; PJSIPShowEndpoint reports each one's status.
      const rows = (await Promise.all(this.names.map((endpoint) => this.ami.listAction({ action: 'PJSIPShowEndpoint', endpoint }, 'ContactStatusDetail')))).flat();
      for (const row of rows) this.update(row.aor ?? '', row.status === 'Reachable' ? 'up' : row.status === 'Unreachable' ? 'down' : 'unknown', row.roundtripusec);
    } catch {
      /* AMI dropped again; the next connect refreshes */
    }
  }

  private handle(e: AmiEvent): void {
    if (e.event !== 'ContactStatus') return;
    const status = e.contactstatus === 'Unreachable' ? 'down' : REACHABLE.has(e.contactstatus ?? '') ? 'up' : 'unknown';
    if (e.contactstatus === 'Created' || e.contactstatus === 'Updated') return; // not a reachability verdict
    this.update(e.aor ?? e.endpointname ?? '', status, e.roundtripusec);
  }

  private update(aor: string, status: TrunkStatus['status'], rttUsec: string | undefined): void {
    const current = this.trunks.get(aor);
    if (!current) return;
    const rttMs = rttUsec && Number(rttUsec) > 0 ? Number(rttUsec) / 1000 : current.rttMs;
    if (current.status === status) {
      current.rttMs = rttMs;
      return;
    }
    const next = { status, rttMs, since: this.now() };
    this.trunks.set(aor, next);
    this.onChange(aor, next);
  }
}
