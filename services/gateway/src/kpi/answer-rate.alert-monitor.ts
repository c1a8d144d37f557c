import type { AlertChange, KpiAlert } from '@cti/db';
import type { EventPublisher } from '../events/event-bus.js';
import type { ProjectionFigures } from './kpi.service.js';

/** Alert kind of a month heading below the answer-rate target. */
export const ANSWER_RATE_ALERT = 'answer_rate_projected_below_target';

/** Stores alerts (AlertRepository fits). */
export interface AlertStore {
  raise(kind: string, period: string, severity: 'warning' | 'critical', data: Record<string, unknown>, at: number): Promise<{ alert: KpiAlert; change: AlertChange }>;
  clear(kind: string, period: string, at: number): Promise<KpiAlert | undefined>;
}

/**
 * Re-checks the month-end answer-rate projection and raises a stored alert (published as `kpi.alert`) when it falls
 * below the target, escalating to critical when the target is out of reach; clears it (`kpi.alert_cleared`) on recovery.
 */
export class AnswerRateAlertMonitor {
  constructor(
    private readonly projection: () => Promise<ProjectionFigures>,
    private readonly alerts: AlertStore,
    private readonly events: EventPublisher,
    private readonly now: () => number,
  ) {}

  /** One check; returns the projection it acted on. */
  async check(): Promise<ProjectionFigures> {
    const p = await this.projection();
    const at = this.now();
    if (p.alert) {
      const { alert, change } = await this.alerts.raise(ANSWER_RATE_ALERT, p.month, p.alert.severity, { ...p.alert, projection: p.projection }, at);
      if (change !== 'unchanged') this.events.publish({ type: 'kpi.alert', at, alert: { ...alert, change } });
    } else {
      const cleared = await this.alerts.clear(ANSWER_RATE_ALERT, p.month, at);
      if (cleared) this.events.publish({ type: 'kpi.alert_cleared', at, alert: cleared });
    }
    return p;
  }
}
