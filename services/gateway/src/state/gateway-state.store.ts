import type { AcdSnapshot, AgentSnapshot, CallSnapshot } from '@cti/domain';
import type { CallSession } from '../call/call-session.js';
import type { CallRegistrySnapshot } from '../call/call.registry.js';
import type { CallbackJob } from '../callback/outbound-callback.service.js';
import type { ControlSnapshot } from '../control/call-control.feature.js';
import type { Logger } from '../logger.js';

/** Everything a restarted gateway needs to carry on: queue order, agent states, reservations, live calls. */
export interface GatewayState {
  version: 1;
  savedAt: number;
  acd: AcdSnapshot;
  calls: CallRegistrySnapshot;
  callbacks: CallbackJob[];
  /** Linkages and supervision sessions in progress (absent in a state saved before they were). */
  control?: ControlSnapshot;
}

/**
 * The state as storage holds it: one entry per fact (`fields`, name → JSON, see GatewayStateStore), or the single JSON
 * string of the whole state that gateways before the per-entry format wrote (`whole`; read once after an upgrade).
 */
export type StoredGatewayState = { fields: Record<string, string> } | { whole: string };

/** One write: entries to set and entries to delete, or (`replace`) everything stored replaced by `set`. */
export interface GatewayStateChange {
  /**
   * Drop whatever is stored (and the old whole-state string) before setting `set`: the store does not know what is
   * stored — its first write, or the one after a write that failed (it may or may not have been applied).
   */
  replace: boolean;
  /** Entries to set, name and JSON. */
  set: Array<[string, string]>;
  /** Names of entries to delete (facts that are gone: an ended call, a finished callback). */
  del: string[];
}

/**
 * Where the state is kept (Redis). Writes are fenced: only the active gateway's epoch may write (leader-lease.redis.ts,
 * docs/domain.md §20), so a gateway another one replaced cannot overwrite the state the new one carries on from.
 */
export interface GatewayStateStorage {
  /** What is stored, or null when there is nothing; rejects when Redis is away. */
  read(): Promise<StoredGatewayState | null>;
  /** Applies the change in one go unless another gateway took over ('refused': nothing written); rejects when Redis is away. */
  write(change: GatewayStateChange): Promise<'written' | 'refused'>;
}

/** How the store measures time, waits and lets other work run (injected in tests and the bench). */
export interface SavePacing {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Lets the event loop run other work between two slices of one save (default: setImmediate). */
  yield?(): Promise<void>;
  /** Told how long each synchronous slice of a save held the event loop, in ms (the bench's stall figure). */
  slice?(ms: number): void;
}

/** Longest wait between two saves of a large state (ms). */
const MAX_GAP_MS = 100;
/**
 * Shortest wait between two saves while changes keep coming (ms): at 100 calls/s the state changes every few
 * milliseconds, and saving after every Redis round trip cost the gateway (and Redis) more than routing did. A gateway
 * killed mid-load then misses at most the last ~20 ms of changes, which reconcile() recovers from Asterisk (callers
 * in the application are adopted in arrival order, seats ringing for unknown legs are hung up).
 */
const MIN_GAP_MS = 20;
/**
 * Longest the store serialises before letting other work run (ms). Call events wait behind a save's synchronous
 * work; 1,000 agents and 1,500 calls are ~4,500 entries (3–10 ms of JSON on the 2-core test machine), cut into ~2 ms
 * slices. take() itself runs in one piece (the engine's and the registry's copies: ~2 ms at that size).
 */
const SLICE_MS = 2;

/** Storage format of the entries (`meta`), checked at load. */
const FORMAT = 2;

/**
 * Name prefix of a part of the state this store has no entries for (one added to GatewayState later): saved whole as
 * one entry, so nothing is lost until it gets entries of its own.
 */
const PART = 'part:';

/** Entry kinds holding one fact each, with the name prefix of their entries. */
const KIND = { agent: 'agent:', acdCall: 'acdcall:', session: 'session:', leg: 'leg:', callback: 'callback:' } as const;

/** A stored list entry: its place in its list (the order is kept: arrival order, login order) and the fact. */
type Placed<T> = [place: number, value: T];

/** What the store knows of one fact of a list: its place, the last serialisation it was in, what was last written of it. */
interface Fact {
  place: number;
  seen: number;
  json: string | undefined;
  writtenPlace: number;
}

/**
 * Keeps the gateway's state in Redis, one entry per fact: `meta` (format), `savedAt`, `acd` (the engine's counters and
 * round-robin memory), `reg` (leg numbering, recent answers), and `agent:<id>`, `acdcall:<callId>`,
 * `session:<callId>`, `leg:<legId>`, `callback:<acdCallId>`; any other part of GatewayState whole as `part:<name>`. Each save serialises every fact (an agent image it
 * serialised before, the engine's unchanged agent, is not serialised again) and writes only the entries whose JSON
 * differs from what it last wrote, and deletes the entries of facts that are gone: a call event
 * changes one or two entries of a few hundred bytes, where the whole state was 1.1 MB at 1,000 agents on calls.
 *
 * Saves are coalesced (at most one in flight, the newest state wins) so a burst of call events costs one write; when
 * Redis is away the state stays in memory and calls go on. A change after a quiet spell is saved at once; while
 * changes keep coming, saves are 20 ms apart, or four times the serialising time for a large state, never more than
 * 100 ms apart. Serialising is cut into slices of ~2 ms with other work (call events) running in between.
 * A write the storage refuses (another gateway took over) is the last: `refused` is told, and nothing is written again.
 */
export class GatewayStateStore {
  private pending: (() => GatewayState) | undefined;
  private writing: Promise<void> | undefined;
  private busy = false;
  private refusedOnce = false;
  /** What was last written to `meta`, `savedAt`, `acd` and `reg`. */
  private readonly singles = new Map<string, string>();
  /** The facts of each list (by entry prefix, then id): their places and what was last written of them. */
  private readonly facts = new Map<string, Map<string, Fact>>();
  /** Whether what the store remembers writing is what Redis holds (false: the next write replaces everything). */
  private known = false;
  private lastPlace = 0;
  /** Counts serialisations: a fact not seen in the current one is gone. */
  private round = 0;
  /**
   * The JSON of each agent image serialised: the engine hands out the same image while an agent is unchanged
   * (AcdEngine.snapshot), so most of 1,000 agents are not serialised again on each save.
   */
  private readonly agentJsons = new WeakMap<AgentSnapshot, string>();

  constructor(
    private readonly storage: GatewayStateStorage,
    private readonly log: Logger,
    /** A write was refused: another gateway is active (production: the leadership ends the process). */
    private readonly refused: () => void,
    private readonly pace: SavePacing = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  ) {}

  /** The last saved state, or undefined (none, unreadable, or Redis away). */
  async load(): Promise<GatewayState | undefined> {
    try {
      const stored = await this.storage.read();
      if (!stored) return undefined;
      const state = 'whole' in stored ? (JSON.parse(stored.whole) as GatewayState) : decode(stored.fields);
      return state?.version === 1 ? state : undefined;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'saved gateway state unavailable; starting empty');
      return undefined;
    }
  }

  /**
   * Redis may no longer hold what the store remembers writing (the connection was lost and made again: a failover can
   * drop acknowledged writes): the next write replaces everything.
   */
  forget(): void {
    this.known = false;
  }

  private agentJson(image: AgentSnapshot): string {
    let json = this.agentJsons.get(image);
    if (json === undefined) this.agentJsons.set(image, (json = JSON.stringify(image)));
    return json;
  }

  /** Schedules a save of the state `take()` returns when the write happens. */
  save(take: () => GatewayState): void {
    this.pending = take;
    this.start();
  }

  /** Resolves once the pending state is written (or Redis refused it); used at shutdown. */
  async flush(): Promise<void> {
    this.start();
    await this.writing;
  }

  private start(): void {
    if (this.busy || !this.pending || this.refusedOnce) return;
    this.busy = true; // before drain() runs: a save() from inside take() must not start a second writer
    this.writing = this.drain().finally(() => {
      this.busy = false;
      this.writing = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const take = this.pending;
      this.pending = undefined;
      const { change, written, busyMs } = await this.changeOf(take);
      const gap = Math.min(MAX_GAP_MS, Math.max(MIN_GAP_MS, 4 * busyMs));
      try {
        if ((await this.storage.write(change)) === 'refused') {
          this.refusedOnce = true;
          this.pending = undefined;
          this.refused();
          return;
        }
      } catch (err) {
        // Applied or not, Redis now holds something the store cannot know: the next write replaces everything.
        this.known = false;
        this.log.debug({ err: (err as Error).message }, 'gateway state not saved (Redis away)');
        return;
      }
      written();
      this.known = true;
      if (this.pending) await this.pace.sleep(gap);
    }
  }

  /**
   * Takes the state and serialises it entry by entry against what was last written, in slices: take() returns copies
   * (the engine's snapshot, the registry's), so the state cannot change between slices — except callback jobs, which
   * callbacks.list() hands out as they are, so they are serialised in the first slice with take() itself.
   * `written()` is called once the change is stored: only then does the store count it as written.
   */
  private async changeOf(take: () => GatewayState): Promise<{ change: GatewayStateChange; written: () => void; busyMs: number }> {
    const replace = !this.known;
    const round = ++this.round;
    const set: Array<[string, string]> = [];
    const del: string[] = [];
    const singles: Array<[string, string]> = [];
    const facts: Array<[Fact, string, number]> = [];
    let busyMs = 0;
    let sliceStarted = this.pace.now();
    const endSlice = () => {
      const ms = this.pace.now() - sliceStarted;
      busyMs += ms;
      this.pace.slice?.(ms);
    };
    /** Ends the slice when it has lasted SLICE_MS, letting other work run before the next one. */
    const breathe = async () => {
      if (this.pace.now() - sliceStarted < SLICE_MS) return;
      endSlice();
      await (this.pace.yield ?? immediate)();
      sliceStarted = this.pace.now();
    };
    const putSingle = (name: string, json: string) => {
      if (!replace && this.singles.get(name) === json) return;
      set.push([name, json]);
      singles.push([name, json]);
    };
    /**
     * Serialises a list: each fact keeps its place while it stays behind the one before it (one that moved to the end
     * of its list gets a new place), and is written when its JSON or place changed; the facts not in the list are gone.
     * Entry names are built only for what is written: the ids are the state's own strings.
     */
    const putList = async <T>(prefix: string, items: readonly T[], id: (item: T) => string, json: (item: T) => string = (item) => JSON.stringify(item)) => {
      let known = this.facts.get(prefix);
      if (!known) this.facts.set(prefix, (known = new Map()));
      let before = 0;
      for (let i = 0; i < items.length; i++) {
        const item = items[i] as T;
        const key = id(item);
        let fact = known.get(key);
        if (!fact) known.set(key, (fact = { place: ++this.lastPlace, seen: round, json: undefined, writtenPlace: 0 }));
        else if (fact.place <= before) fact.place = ++this.lastPlace;
        fact.seen = round;
        before = fact.place;
        const value = json(item);
        if (replace || fact.json !== value || fact.writtenPlace !== fact.place) {
          set.push([prefix + key, `[${fact.place},${value}]`]);
          facts.push([fact, value, fact.place]);
        }
        if ((i & 15) === 15) await breathe();
      }
      for (const [key, fact] of known) {
        if (fact.seen === round) continue;
        known.delete(key);
        if (!replace) del.push(prefix + key);
      }
    };

    const state = take();
    const { version, savedAt, acd, calls: registry, callbacks, ...rest } = state;
    const { agents, calls, ...acdRest } = acd;
    const { sessions, legs, ...registryRest } = registry;
    putSingle('meta', JSON.stringify({ format: FORMAT, version }));
    putSingle('savedAt', String(savedAt));
    putSingle('acd', JSON.stringify(acdRest));
    putSingle('reg', JSON.stringify(registryRest));
    const parts = new Set<string>();
    for (const [key, value] of Object.entries(rest) as Array<[string, unknown]>) {
      if (value === undefined) continue;
      parts.add(PART + key);
      putSingle(PART + key, JSON.stringify(value));
    }
    if (!replace) for (const name of this.singles.keys()) if (name.startsWith(PART) && !parts.has(name)) del.push(name);
    // Callback jobs are live objects (few): serialised in the same slice as take(), before any other work can change them.
    const jobs = callbacks.map((job) => ({ id: job.acdCallId, json: JSON.stringify(job) }));
    await breathe();
    await putList(KIND.callback, jobs, (j) => j.id, (j) => j.json);
    await putList(KIND.agent, agents, (a) => a.agentId, (a) => this.agentJson(a));
    await putList(KIND.acdCall, calls, (c) => c.callId);
    await putList(KIND.session, sessions, (s) => s.callId);
    await putList(KIND.leg, legs, ([leg]) => leg, ([, callId]) => JSON.stringify(callId));
    endSlice();

    const written = () => {
      for (const name of this.singles.keys()) if (name.startsWith(PART) && !parts.has(name)) this.singles.delete(name);
      for (const [name, json] of singles) this.singles.set(name, json);
      for (const [fact, json, place] of facts) {
        fact.json = json;
        fact.writtenPlace = place;
      }
    };
    return { change: { replace, set, del }, written, busyMs };
  }
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Rebuilds the state from its entries, every list in its saved order; undefined when the entries are not a saved state. */
function decode(fields: Record<string, string>): GatewayState | undefined {
  if (fields.meta === undefined) return undefined;
  const meta = JSON.parse(fields.meta) as { format: number; version: 1 };
  if (meta.format !== FORMAT) return undefined;
  const lists = { agent: [] as Placed<AgentSnapshot>[], acdCall: [] as Placed<CallSnapshot>[], session: [] as Placed<CallSession>[], leg: [] as Placed<[string, string]>[], callback: [] as Placed<CallbackJob>[] };
  const parts: Record<string, unknown> = {};
  for (const [name, json] of Object.entries(fields)) {
    if (name.startsWith(PART)) {
      parts[name.slice(PART.length)] = JSON.parse(json);
      continue;
    }
    const colon = name.indexOf(':');
    if (colon < 0) continue;
    const prefix = name.slice(0, colon + 1);
    const [place, value] = JSON.parse(json) as Placed<unknown>;
    if (prefix === KIND.agent) lists.agent.push([place, value as AgentSnapshot]);
    else if (prefix === KIND.acdCall) lists.acdCall.push([place, value as CallSnapshot]);
    else if (prefix === KIND.session) lists.session.push([place, value as CallSession]);
    else if (prefix === KIND.leg) lists.leg.push([place, [name.slice(colon + 1), value as string]]);
    else if (prefix === KIND.callback) lists.callback.push([place, value as CallbackJob]);
  }
  const inOrder = <T>(list: Placed<T>[]): T[] => list.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
  const acd = JSON.parse(fields.acd ?? 'null') as Omit<AcdSnapshot, 'agents' | 'calls'> | null;
  const registry = JSON.parse(fields.reg ?? 'null') as Omit<CallRegistrySnapshot, 'sessions' | 'legs'> | null;
  if (!acd || !registry) return undefined;
  return {
    ...parts,
    version: meta.version,
    savedAt: Number(fields.savedAt),
    acd: { ...acd, agents: inOrder(lists.agent), calls: inOrder(lists.acdCall) },
    calls: { ...registry, sessions: inOrder(lists.session), legs: inOrder(lists.leg) },
    callbacks: inOrder(lists.callback),
  };
}
