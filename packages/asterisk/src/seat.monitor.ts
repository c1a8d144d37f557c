import type { AmiClient, AmiEvent } from './ami.adapter.js';

/** Contact states that say a seat can be rung (a registration that just arrived counts until a qualify says no). */
const UP = new Set(['Reachable', 'Created']);
/** Contact states that say it cannot: its qualify went unanswered, or its registration is gone. */
const DOWN = new Set(['Unreachable', 'Removed']);

/**
 * Tracks which seats' phones answer: AMI ContactStatus events of the seat AORs (qualify results and registrations,
 * see CTI_SEAT_QUALIFY_S) and a PJSIPShowContacts snapshot at every (re)connect. Only changes are reported.
 */
export class SeatMonitor {
  private readonly down = new Set<string>();

  constructor(
    ami: AmiClient,
    private readonly isSeat: (aor: string) => boolean,
    private readonly onChange: (seat: string, reachable: boolean) => void,
  ) {
    ami.onEvent((e) => this.handle(e));
    ami.onConnection((up) => {
      if (up) void this.refresh(ami);
    });
  }

  /** Whether the seat's phone is known not to answer. */
  isUnreachable(seat: string): boolean {
    return this.down.has(seat);
  }

  private async refresh(ami: AmiClient): Promise<void> {
    try {
      const rows = await ami.listAction({ action: 'PJSIPShowContacts' }, 'ContactList');
      for (const row of rows) this.update(row.aor ?? '', row.status === 'Unreachable' ? false : row.status === 'Reachable' ? true : undefined);
    } catch {
      /* AMI dropped again; the next connect refreshes */
    }
  }

  private handle(e: AmiEvent): void {
    if (e.event !== 'ContactStatus') return;
    const status = e.contactstatus ?? '';
    this.update(e.aor ?? e.endpointname ?? '', UP.has(status) ? true : DOWN.has(status) ? false : undefined);
  }

  private update(aor: string, reachable: boolean | undefined): void {
    if (reachable === undefined || !this.isSeat(aor)) return;
    if (reachable === !this.down.has(aor)) return;
    if (reachable) this.down.delete(aor);
    else this.down.add(aor);
    this.onChange(aor, reachable);
  }
}
