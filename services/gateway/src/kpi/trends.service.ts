import { dayPeriod, kpi, monthPeriod } from '@cti/domain';
import type { KpiRepository } from '@cti/db';
import type { KpiService } from './kpi.service.js';

/** The big screen's trends (docs/domain.md §17): what its five charts draw. */
export type TrendFigures = kpi.TrendFigures;

/** Where the trends come from. */
export interface TrendSources {
  /** The call series (KpiService fits). */
  calls: Pick<KpiService, 'callTrends'>;
  /** The ticket counts (KpiRepository fits). */
  tickets: Pick<KpiRepository, 'ticketsByCategory' | 'overdueTicketsByDepartment' | 'ticketsByCounty'>;
  /** The configured counties, in order (CTI_TICKET_COUNTIES). */
  counties: readonly string[];
  now: () => number;
}

/** How long worked-out trends are reused: the screen asks once a minute, several screens share one computation. */
export const TRENDS_REUSE_MS = 20_000;

/**
 * The big screen's trends: the call series from the KPI service, the ticket counts from the database, grouped by the
 * domain's pure functions. Reused for TRENDS_REUSE_MS; concurrent requests share one computation.
 */
export class TrendsService {
  private last: TrendFigures | undefined;
  private pending: Promise<TrendFigures> | undefined;

  constructor(
    private readonly src: TrendSources,
    private readonly reuseMs = TRENDS_REUSE_MS,
  ) {}

  /** The trends; the screens share the last for TRENDS_REUSE_MS, `fresh` (a person asking through the API) does not. */
  trends(opts: { fresh?: boolean } = {}): Promise<TrendFigures> {
    const now = this.src.now();
    // A fresh read starts its own computation: one already under way began before the question was asked.
    if (opts.fresh) return this.compute(now).then((t) => (this.last = t));
    if (this.last && now - this.last.at < this.reuseMs && dayPeriod(this.last.at).from === dayPeriod(now).from) return Promise.resolve(this.last);
    this.pending ??= this.compute(now).then(
      (t) => ((this.last = t), (this.pending = undefined), t),
      (err: unknown) => {
        this.pending = undefined;
        throw err;
      },
    );
    return this.pending;
  }

  private async compute(now: number): Promise<TrendFigures> {
    const today = dayPeriod(now);
    const month = monthPeriod(now);
    const [calls, byCategory, overdue, byCounty] = await Promise.all([
      this.src.calls.callTrends(),
      this.src.tickets.ticketsByCategory(today.from, now + 1, now),
      this.src.tickets.overdueTicketsByDepartment(now),
      this.src.tickets.ticketsByCounty(month.from, now + 1),
    ]);
    return {
      at: now,
      halfHours: calls.halfHours,
      dailyAnswerRate: calls.dailyAnswerRate,
      ticketsByCategory: kpi.categoryCounts(byCategory.map((r) => ({ category: r.category, count: r.total })), kpi.TICKET_CATEGORY_ZH),
      overdueByDepartment: kpi.departmentCounts(overdue.map((r) => ({ name: r.name, count: r.count }))),
      ticketsByCounty: kpi.countyCounts(byCounty, this.src.counties),
    };
  }
}
