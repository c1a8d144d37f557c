import { sql, type Kysely } from 'kysely';
import { createWorkingCalendar, type WorkingCalendar, type WorkingCalendarData } from '@cti/domain';
import type { Database } from './db.schema.js';

/** One configured day: a public holiday or an adjusted working day (调休). */
export interface CalendarDay {
  date: string;
  kind: 'holiday' | 'workday';
  note: string | null;
}

/** The holiday calendar as data; managers administer it, deadlines count against it. */
export class CalendarRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Configured days, optionally of one year, in date order. */
  async list(year?: number): Promise<CalendarDay[]> {
    let q = this.db.selectFrom('calendar_days').select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('date'), 'kind', 'note']);
    if (year !== undefined) q = q.where(sql<boolean>`extract(year from day) = ${year}`);
    return q.orderBy('day').execute();
  }

  /** The whole calendar in the domain's shape. */
  async load(): Promise<WorkingCalendarData> {
    const days = await this.list();
    return { holidays: days.filter((d) => d.kind === 'holiday').map((d) => d.date), adjustedWorkdays: days.filter((d) => d.kind === 'workday').map((d) => d.date) };
  }

  /** Sets a day's kind (insert or replace). */
  async put(day: CalendarDay): Promise<void> {
    await this.db
      .insertInto('calendar_days')
      .values({ day: day.date, kind: day.kind, note: day.note })
      .onConflict((oc) => oc.column('day').doUpdateSet({ kind: day.kind, note: day.note, updated_at: new Date() }))
      .execute();
  }

  /** Removes a day (it becomes an ordinary weekday or weekend day); true when it existed. */
  async remove(date: string): Promise<boolean> {
    const r = await this.db.deleteFrom('calendar_days').where('day', '=', date).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

/** A working calendar read from the database and reused for `ttlMs`, so hot paths do not query it each time. */
export class CachedWorkingCalendar {
  private cached: { calendar: WorkingCalendar; at: number } | undefined;
  private loading: Promise<WorkingCalendar> | undefined;

  constructor(
    private readonly source: Pick<CalendarRepository, 'load'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current calendar, reloading it when older than the TTL. */
  async get(): Promise<WorkingCalendar> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.calendar;
    this.loading ??= this.source
      .load()
      .then((data) => {
        const calendar = createWorkingCalendar(data);
        this.cached = { calendar, at: this.now() };
        return calendar;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Forgets the cached calendar (after an administrator changed it). */
  invalidate(): void {
    this.cached = undefined;
  }
}
