// Operations through the real stack: an inspection reads the run's Asterisk, staff handle an incident,
// and stopping Asterisk for longer than the ARI threshold opens an L1 incident that recovery resolves.
import { describe, expect, inject, it } from 'vitest';
import { api } from './support/api.js';
import { asteriskScript, waitFor } from './support/processes.js';

const ctx = inject('e2e');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const health = async () => (await (await fetch(`${ctx.apiUrl}/healthz`)).json()) as { ari: string; ami: string };

interface Check {
  id: string;
  status: string;
  value: string;
}

describe('operations: inspections, incidents and SLA', () => {
  it('runs an inspection on demand that reports the real Asterisk version and uptime and both trunks', async () => {
    const run = await api(ctx, 'POST', '/api/v1/ops/inspections/run');
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const checks = run.body.report.checks as Check[];
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get('asterisk:version')?.value).toMatch(/^Asterisk 22\./);
    const facts = run.body.report.facts;
    expect(facts.asterisk.ok).toBe(true);
    expect(facts.asterisk.value.uptimeSeconds).toBeGreaterThan(0);
    expect(facts.asterisk.value.activeChannels).toBeGreaterThanOrEqual(0);
    // Task-processor queues are shown only by the CLI, and the AMI user has no `command` privilege: not reported.
    expect(facts.asterisk.value.taskProcessors).toBeNull();
    expect(byId.has('asterisk:taskprocessors')).toBe(false);
    expect(byId.get('asterisk:uptime')?.value).toMatch(/^\d+d \d+h \d+m$/);
    expect(byId.has('trunk:trunk-primary'), JSON.stringify(facts.trunks)).toBe(true);
    expect(byId.has('trunk:trunk-backup')).toBe(true);
    expect(facts.trunks.value.map((t: { name: string }) => t.name)).toEqual(['trunk-primary', 'trunk-backup']);
    for (const id of ['ari', 'ami', 'redis', 'postgres']) expect(byId.get(id)?.status, `${id}: ${JSON.stringify(byId.get(id))}`).toBe('pass');
    expect(['pass', 'warn', 'fail']).toContain(run.body.overall);
    // Stored and served: listed, and readable as text.
    const list = await api(ctx, 'GET', '/api/v1/ops/inspections?kind=inspection');
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(run.body.id);
    const text = await fetch(`${ctx.apiUrl}/api/v1/ops/inspections/${run.body.id}?format=text`, { headers: { authorization: `Bearer ${ctx.supervisorToken}` } });
    expect(await text.text()).toContain(byId.get('asterisk:version')!.value);
  });

  it('lets staff report, acknowledge and resolve an incident, and counts it in the yearly fault time', async () => {
    const startedAt = Date.now() - 3 * 3_600_000; // before this run began, so no detected incident overlaps it
    const year = new Date(startedAt + 8 * 3_600_000).getUTCFullYear();
    // Both reads count up to the same instant: an incident the stack itself opened meanwhile (still open, growing)
    // must not change the difference.
    const asOf = new Date().toISOString();
    const before = (await api(ctx, 'GET', `/api/v1/ops/fault-time?year=${year}&asOf=${asOf}`)).body;
    const created = await api(ctx, 'POST', '/api/v1/ops/incidents', { level: 'L3', title: 'e2e: 备用中继误码率高', startedAt: new Date(startedAt).toISOString() });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ source: 'staff', state: 'open', level: 'L3' });
    const id = created.body.id as string;
    expect((await api(ctx, 'POST', `/api/v1/ops/incidents/${id}/acknowledge`)).body.state).toBe('acknowledged');
    const resolved = await api(ctx, 'POST', `/api/v1/ops/incidents/${id}/resolve`, { note: 'carrier replaced the line card', resolvedAt: new Date(startedAt + 30 * 60_000).toISOString() });
    expect(resolved.body).toMatchObject({ state: 'resolved', sla: { recoveryMs: 30 * 60_000, breached: false } });
    const after = (await api(ctx, 'GET', `/api/v1/ops/fault-time?year=${year}&asOf=${asOf}`)).body;
    expect(after.faultMs - before.faultMs).toBe(30 * 60_000);
    expect(after).toMatchObject({ budgetHours: 24, withinBudget: true });
    const detail = (await api(ctx, 'GET', `/api/v1/ops/incidents/${id}`)).body;
    expect(detail.events.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'acknowledged', 'resolved']);
  });

  it('opens an L1 incident when ARI stays disconnected beyond the threshold and resolves it on recovery with its recovery time', async () => {
    const threshold = Number(ctx.env.CTI_OPS_ARI_DOWN_S) * 1000;
    const stoppedAt = Date.now();
    let opened: { id: string; startedAt: string } | undefined;
    try {
      asteriskScript(ctx.root, ctx.env, 'stop', ctx.asteriskInstance);
      await waitFor('gateway sees ARI down', async () => (await health()).ari === 'down', 15_000);
      await waitFor('an open ari_down incident', async () => {
        const open = (await api(ctx, 'GET', '/api/v1/ops/incidents?open=true')).body.items as Array<{ id: string; condition: string; level: string; startedAt: string }>;
        opened = open.find((i) => i.condition === 'ari_down' && Date.parse(i.startedAt) >= stoppedAt - 1_000);
        return opened !== undefined;
      }, threshold + 15_000, 250);
      await sleep(1_000);
    } finally {
      asteriskScript(ctx.root, ctx.env, 'start', ctx.asteriskInstance);
      await waitFor('gateway reconnected to ARI', async () => (await health()).ari === 'up', 120_000, 250);
    }
    await waitFor('AMI back', async () => (await health()).ami === 'up', 60_000, 250);
    let incident: { level: string; state: string; startedAt: string; openedAt: string; resolvedAt: string | null; sla: { recoveryMs: number | null; breached: boolean } } | undefined;
    await waitFor('the incident auto-resolved', async () => {
      incident = (await api(ctx, 'GET', `/api/v1/ops/incidents/${opened!.id}`)).body;
      return incident?.state === 'resolved';
    }, 30_000, 250);
    expect(incident).toMatchObject({ level: 'L1', state: 'resolved', sla: { breached: false } });
    expect(Date.parse(incident!.openedAt) - Date.parse(incident!.startedAt)).toBeGreaterThanOrEqual(threshold);
    expect(incident!.sla.recoveryMs).toBeGreaterThan(threshold);
    expect(incident!.sla.recoveryMs).toBeLessThan(Date.now() - stoppedAt + 1_000);
  });
});
