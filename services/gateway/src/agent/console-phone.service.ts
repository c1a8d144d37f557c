import { CtiError, type AcdEngine } from '@cti/domain';
import { phoneEndpoint, seatOfEndpoint } from '@cti/asterisk';
import type { BrowserPhoneCredentials } from './browser-phone.credentials.js';

/** Seats a supervisor's console holds for its browser phone (AgentService asks before logging an agent in). */
export interface SeatHolds {
  /** Who holds `seat` (`seat-NN`) for a console phone right now, or undefined. */
  findHolder(seat: string): string | undefined;
}

/** Who asks for a console phone: a person (`staff:<id>`) or a machine's token, and a name for messages and logs. */
export interface ConsolePhoneHolder {
  id: string;
  label: string;
}

/** A console phone handed out: the browser phone's SIP credentials and until when the seat is held. */
export interface ConsolePhone extends BrowserPhoneCredentials {
  /** Epoch ms the hold lapses unless taken again before (the console renews it while open). */
  expiresAt: number;
  /** False when this renewed the holder's own hold on the seat. */
  taken: boolean;
}

/** The browser phones' SIP credentials (BrowserPhoneCredentialsService fits). */
export interface BrowserPhoneSecrets {
  forEndpoint(endpoint: string): Promise<BrowserPhoneCredentials>;
}

/** How long a console phone's seat stays held after the console last took it (the console renews at half of it). */
export const CONSOLE_PHONE_LEASE_MS = 120_000;

interface Hold {
  holder: ConsolePhoneHolder;
  expiresAt: number;
}

/**
 * Browser phones for supervisors' consoles. A supervisor listens to (and whispers into, barges into) calls through the
 * browser phone of a seat nobody works at (`seat-NN-web`): this hands its SIP credentials to the console and holds
 * the seat while the console keeps renewing the hold, so no agent logs in there meanwhile and no second console takes
 * it. A hold lapses `leaseMs` after its last renewal (a closed console frees the seat by itself) or when released. The
 * ACD never rings a seat without an agent, so a held seat's phone rings only for supervision. Kept in memory: after a
 * gateway restart the open console's next renewal takes the seat again.
 */
export class ConsolePhoneService implements SeatHolds {
  private readonly holds = new Map<string, Hold>();

  constructor(
    private readonly acd: Pick<AcdEngine, 'agents'>,
    /** Seat names (`seat-01` …), in order. */
    private readonly seats: readonly string[],
    private readonly secrets: BrowserPhoneSecrets,
    private readonly now: () => number,
    private readonly leaseMs: number,
  ) {}

  findHolder(seat: string): string | undefined {
    return this.live(seat)?.holder.label;
  }

  /**
   * Holds `seat` (or the holder's current seat, else the highest-numbered free one) for the holder's console and
   * returns its browser phone's credentials; CTI_ERR_CONFLICT when an agent or another console has the seat.
   */
  async take(holder: ConsolePhoneHolder, seat?: string): Promise<ConsolePhone> {
    if (seat !== undefined && !this.seats.includes(seat)) throw new CtiError('CTI_ERR_VALIDATION', `no seat ${seat}`, { field: 'seat', seat });
    const current = this.heldBy(holder.id);
    const target = seat ?? current ?? this.freeSeat();
    const agent = this.agentAt(target);
    if (agent) throw new CtiError('CTI_ERR_CONFLICT', `seat ${target} is taken by agent ${agent}`, { seat: target, agentId: agent });
    const other = this.live(target);
    if (other && other.holder.id !== holder.id) throw new CtiError('CTI_ERR_CONFLICT', `seat ${target} is held by ${other.holder.label}'s console`, { seat: target, heldBy: other.holder.label });
    if (current !== undefined && current !== target) this.holds.delete(current);
    const expiresAt = this.now() + this.leaseMs;
    const hold: Hold = { holder, expiresAt };
    this.holds.set(target, hold);
    try {
      return { ...(await this.secrets.forEndpoint(phoneEndpoint(target, 'browser'))), expiresAt, taken: current !== target };
    } catch (err) {
      if (this.holds.get(target) === hold) this.holds.delete(target);
      throw err;
    }
  }

  /** Ends the holder's hold; the seat it freed, or undefined when it held none. */
  release(holderId: string): string | undefined {
    const seat = this.heldBy(holderId);
    if (seat !== undefined) this.holds.delete(seat);
    return seat;
  }

  /** Live holds, by seat. */
  list(): Array<{ seat: string; holder: string; expiresAt: number }> {
    return this.seats.flatMap((seat) => {
      const h = this.live(seat);
      return h ? [{ seat, holder: h.holder.label, expiresAt: h.expiresAt }] : [];
    });
  }

  private heldBy(holderId: string): string | undefined {
    for (const seat of this.holds.keys()) if (this.live(seat)?.holder.id === holderId) return seat;
    return undefined;
  }

  private live(seat: string): Hold | undefined {
    const h = this.holds.get(seat);
    if (h && h.expiresAt <= this.now()) {
      this.holds.delete(seat);
      return undefined;
    }
    return h;
  }

  private agentAt(seat: string): string | undefined {
    return this.acd.agents().find((a) => a.state !== 'logged_out' && seatOfEndpoint(a.seat).seat === seat)?.agentId;
  }

  /** The highest-numbered seat with no agent and no console (the first seats are usually the desks people sit at). */
  private freeSeat(): string {
    for (const seat of [...this.seats].reverse()) if (!this.agentAt(seat) && !this.live(seat)) return seat;
    throw new CtiError('CTI_ERR_CONFLICT', 'no free seat for a console phone: every seat has an agent logged in or a console; free one or name a seat', { field: 'seat' });
  }
}
