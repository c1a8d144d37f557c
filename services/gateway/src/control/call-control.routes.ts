import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { CtiError, OVERSIGHT_ROLES, PARTNER_LINES, STAFF_ROLES, SUPERVISING_ROLES, inRoleGroup, maskPhone } from '@cti/domain';
import type { Principal } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import type { AuditTrail } from '../agent/supervisor.routes.js';
import type { CallControlService } from './call-control.service.js';
import type { LinkageService } from './linkage.service.js';
import type { RecordingService } from './recording.service.js';
import type { SupervisionService } from './supervision.service.js';
import type { PartnerDirectory } from './partner.directory.js';
import type { ControlledCalls } from './control.ports.js';
import type { OutsideDialGuard } from './outside-dial.guard.js';

/** Stored calls' recordings and handling agents (CallRecordingRepository fits). */
export interface RecordingLookup {
  findByRecording(recording: string): Promise<{ linkedId: string; agentId: string | null; recording: string } | undefined>;
  findByCall(linkedId: string): Promise<{ linkedId: string; agentId: string | null; recording: string } | undefined>;
}

/** Everything the call-control routes act through. */
export interface CallControlRouteDeps {
  calls: ControlledCalls;
  control: CallControlService;
  linkages: LinkageService;
  recordings: RecordingService;
  recordingLookup: RecordingLookup;
  supervision: SupervisionService;
  partners: PartnerDirectory;
  audit: AuditTrail;
  /** Dial policy, per-agent limit and audit of outside numbers (OutsideDialGuard fits). */
  dialGuard: Pick<OutsideDialGuard, 'authorize'>;
  now: () => number;
  /** The seat an agent is logged in at (AcdEngine.findAgent fits), for a supervisor's own seat. */
  seatOf: (agentId: string) => string | undefined;
}

const agentParams = z.object({ agentId: z.string().min(1).max(64) });

/** An agent may control only their own call; supervisors, managers and admins any agent's. */
function assertMayActFor(principal: Principal, agentId: string): void {
  if (inRoleGroup(SUPERVISING_ROLES, principal.role)) return;
  if (principal.agentId !== agentId) throw new CtiError('CTI_ERR_FORBIDDEN', `token of ${principal.agentId ?? principal.label} may not control agent ${agentId}'s call`, { agentId });
}

const actor = (p: Principal) => p.agentId ?? p.label;

/** Agent call control, emergency linkage, recordings and supervisor monitoring. */
export function registerCallControlRoutes(routes: RouteRegistry, d: CallControlRouteDeps): void {
  const view = (agentId: string) => {
    const call = d.control.callOf(agentId);
    const linkage = d.linkages.findByCall(call.callId);
    const transfer = d.control.findTransfer(call.callId);
    return {
      callId: call.callId,
      agentId,
      caller: maskPhone(call.callerNumber),
      bridgeId: call.bridgeId ?? null,
      held: d.control.isHeld(call.callId),
      recording: call.recording ?? null,
      transfer: transfer ? { id: transfer.id, kind: transfer.kind, phase: transfer.phase, toAgentId: transfer.toAgentId } : null,
      linkage: linkage ? { id: linkage.id, partner: linkage.partner, mode: linkage.mode, phase: linkage.phase, trunk: linkage.trunk } : null,
    };
  };
  const agentAction = (path: string, summary: string, act: (agentId: string) => Promise<unknown>) =>
    routes.add({
      method: 'POST',
      url: `/api/v1/agents/:agentId/call/${path}`,
      summary,
      roles: STAFF_ROLES,
      params: agentParams,
      handler: async ({ params, principal }) => {
        assertMayActFor(principal, params.agentId);
        const result = await act(params.agentId);
        return result ?? { ok: true };
      },
    });

  routes.add({
    method: 'GET',
    url: '/api/v1/agents/:agentId/call',
    summary: "The agent's live call: hold, transfer and linkage state",
    roles: STAFF_ROLES,
    params: agentParams,
    handler: async ({ params, principal }) => {
      assertMayActFor(principal, params.agentId);
      return view(params.agentId);
    },
  });
  agentAction('hold', 'Hold the call (the caller hears music)', async (a) => d.control.hold(a, true));
  agentAction('resume', 'Resume a held call', async (a) => d.control.hold(a, false));
  agentAction('mute', "Mute the agent's microphone toward the call", async (a) => d.control.mute(a, true));
  agentAction('unmute', 'Unmute the agent', async (a) => d.control.mute(a, false));
  agentAction('hangup', 'Hang up the call', async (a) => d.control.hangup(a));
  agentAction('transfer/complete', 'Complete an attended transfer (the first agent leaves)', async (a) => d.control.complete(a));
  agentAction('transfer/cancel', 'Cancel an attended transfer (back to the caller)', async (a) => d.control.cancel(a));
  agentAction('transfer/conference', 'Turn the consultation into a three-way call', async (a) => d.control.conference(a));
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/call/transfer',
    summary: 'Transfer the call: blind to an agent or a skill queue, or attended to an agent (consult first)',
    roles: STAFF_ROLES,
    params: agentParams,
    body: z
      .object({ kind: z.enum(['blind', 'attended']), toAgent: z.string().min(1).max(64).optional(), toSkill: z.string().min(1).max(32).optional() })
      .refine((b) => (b.toAgent === undefined) !== (b.toSkill === undefined), 'give exactly one of toAgent, toSkill')
      .refine((b) => b.toSkill === undefined || b.kind === 'blind', 'a skill queue takes blind transfers only'),
    handler: async ({ params, body, principal }) => {
      assertMayActFor(principal, params.agentId);
      if (body.toSkill !== undefined) {
        await d.control.blindToSkill(params.agentId, body.toSkill);
        return { ok: true, requeued: true };
      }
      const t = await d.control.toAgent(params.agentId, body.toAgent as string, body.kind);
      return { id: t.id, kind: t.kind, phase: t.phase, toAgentId: t.toAgentId };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/partners',
    summary: 'Partner directory for emergency and utility linkage',
    roles: STAFF_ROLES,
    handler: async () => ({ items: d.partners.list() }),
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/call/linkage',
    summary: 'Link the call with a partner line (110/119/120/122/water/power/gas/heating); the caller keeps talking with the agent while it rings',
    roles: STAFF_ROLES,
    params: agentParams,
    body: z.object({ partner: z.enum(PARTNER_LINES), mode: z.enum(['transfer', 'three_way']), numberIndex: z.number().int().min(0).max(9).optional() }),
    handler: async ({ params, body, principal }) => {
      assertMayActFor(principal, params.agentId);
      const l = await d.linkages.begin(params.agentId, { partner: body.partner, mode: body.mode, ...(body.numberIndex !== undefined && { numberIndex: body.numberIndex }) });
      return { id: l.id, callId: l.callId, partner: l.partner, number: l.number, mode: l.mode, phase: l.phase, trunk: l.trunk };
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/call/transfer/external',
    summary:
      'Transfer the call to an outside number over the trunks (dial policy, per-agent limit, audited); the caller talks with the agent while it rings; blind = the agent leaves on answer',
    roles: STAFF_ROLES,
    params: agentParams,
    // Separators and +86 are accepted and normalised by the dial guard, which refuses (and audits) anything else.
    body: z.object({ number: z.string().min(1).max(40), mode: z.enum(['blind', 'three_way']).default('blind') }),
    handler: async ({ params, body, principal }) => {
      assertMayActFor(principal, params.agentId);
      const number = await d.dialGuard.authorize({ purpose: 'transfer', number: body.number, actorRole: principal.role, actorId: actor(principal), limitedAgent: params.agentId });
      const l = await d.linkages.beginExternal(params.agentId, number, body.mode === 'blind');
      return { id: l.id, callId: l.callId, number: l.number, mode: body.mode, phase: l.phase, trunk: l.trunk };
    },
  });
  agentAction('linkage/hand-off', 'Leave the caller with the partner (the agent is free)', async (a) => {
    const l = await d.linkages.handOff(a);
    return { id: l.id, phase: l.phase, agentLeftAt: l.agentLeftAt };
  });
  agentAction('linkage/cancel', 'Stop a ringing linkage or drop the partner', async (a) => d.linkages.cancel(a));

  routes.add({
    method: 'GET',
    url: '/api/v1/control/calls',
    summary: 'Live calls with agent, masked caller, duration, bridge, hold, transfer, linkage and supervision',
    roles: OVERSIGHT_ROLES,
    handler: async () => ({
      items: d.calls.liveCalls().map((c) => {
        const l = d.linkages.findByCall(c.callId);
        return {
          callId: c.callId,
          phase: c.phase,
          agentId: c.agentId ?? null,
          seat: c.seat ?? null,
          caller: maskPhone(c.callerNumber),
          durationSeconds: Math.round((d.now() - c.arrivedAt) / 1000),
          bridgeId: c.bridgeId ?? null,
          held: d.control.isHeld(c.callId),
          linkage: l ? { id: l.id, partner: l.partner, mode: l.mode, phase: l.phase, trunk: l.trunk } : null,
          supervision: d.supervision.list().filter((s) => s.callId === c.callId).map((s) => ({ id: s.id, mode: s.mode, supervisor: s.supervisor })),
        };
      }),
      handedOff: d.linkages.list().filter((l) => l.phase === 'handed_off').map((l) => ({ callId: l.callId, linkageId: l.id, partner: l.partner, bridgeId: l.bridgeId })),
    }),
  });

  // ---- recordings ----
  const serve = async (name: string, principal: Principal, reply: import('fastify').FastifyReply, via: string) => {
    let file;
    try {
      file = await d.recordings.resolveFile(name);
      const ref = await d.recordingLookup.findByRecording(name);
      if (!ref) throw new CtiError('CTI_ERR_NOT_FOUND', 'no such recording', {});
      const staff = inRoleGroup(OVERSIGHT_ROLES, principal.role);
      if (!staff && !(principal.role === 'agent' && principal.agentId !== null && principal.agentId === ref.agentId)) {
        throw new CtiError('CTI_ERR_FORBIDDEN', 'only QA, supervisors, managers and the handling agent may hear this recording', {});
      }
    } catch (err) {
      await d.audit.record({ actorRole: principal.role, actorId: actor(principal), action: 'recording.denied', target: name.slice(0, 200), data: { via, code: (err as CtiError).code ?? 'error' } });
      throw err;
    }
    await d.audit.record({ actorRole: principal.role, actorId: actor(principal), action: 'recording.read', target: name, data: { via } });
    reply.header('content-type', 'audio/wav').header('content-length', String(file.size)).header('cache-control', 'no-store');
    return reply.send(createReadStream(file.path));
  };
  routes.add({
    method: 'GET',
    url: '/api/v1/recordings',
    summary: 'A recording file by name (YYYY/MM/DD/<call id>.wav): QA, supervisors, managers, admins, and the handling agent (audited)',
    roles: ['agent', ...OVERSIGHT_ROLES],
    query: z.object({ name: z.string().min(1).max(300) }),
    handler: async ({ query, principal, reply }) => serve(query.name, principal, reply, 'name'),
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/calls/:linkedId/recording',
    summary: "A stored call's recording (same access rules, audited)",
    roles: ['agent', ...OVERSIGHT_ROLES],
    params: z.object({ linkedId: z.string().min(1).max(128).regex(/^[0-9A-Za-z._-]+$/) }),
    handler: async ({ params, principal, reply }) => {
      const ref = await d.recordingLookup.findByCall(params.linkedId);
      if (!ref) {
        await d.audit.record({ actorRole: principal.role, actorId: actor(principal), action: 'recording.denied', target: params.linkedId, data: { via: 'call', code: 'CTI_ERR_NOT_FOUND' } });
        throw new CtiError('CTI_ERR_NOT_FOUND', 'no recording for this call', { linkedId: params.linkedId });
      }
      return serve(ref.recording, principal, reply, 'call');
    },
  });

  // ---- supervision ----
  routes.add({
    method: 'POST',
    url: '/api/v1/supervision',
    summary: "Monitor, whisper to or barge into an agent's call from the supervisor's own seat (audited)",
    roles: SUPERVISING_ROLES,
    body: z.object({ agentId: z.string().min(1).max(64), mode: z.enum(['monitor', 'whisper', 'barge']), seat: z.string().regex(/^seat-\d{2,4}(-web)?$/, 'seat must look like seat-01 (desk phone) or seat-01-web (browser phone)').optional() }),
    handler: async ({ body, principal }) => {
      const seat = body.seat ?? (principal.agentId ? d.seatOf(principal.agentId) : undefined);
      if (!seat) throw new CtiError('CTI_ERR_VALIDATION', 'log in to a seat or give one', { field: 'seat' });
      const s = await d.supervision.begin({ agentId: body.agentId, supervisor: actor(principal), seat, mode: body.mode });
      await d.audit.record({ actorRole: principal.role, actorId: actor(principal), action: `supervision.${body.mode}`, target: body.agentId, data: { sessionId: s.id, callId: s.callId, seat } });
      return sessionView(s);
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/supervision',
    summary: 'Supervision sessions in progress',
    roles: SUPERVISING_ROLES,
    handler: async () => ({ items: d.supervision.list().map(sessionView) }),
  });
  routes.add({
    method: 'PATCH',
    url: '/api/v1/supervision/:id',
    summary: 'Switch a supervision session between monitor, whisper and barge (audited)',
    roles: SUPERVISING_ROLES,
    params: z.object({ id: z.string().min(1).max(200) }),
    body: z.object({ mode: z.enum(['monitor', 'whisper', 'barge']) }),
    handler: async ({ params, body, principal }) => {
      const s = await d.supervision.switchMode(params.id, body.mode);
      await d.audit.record({ actorRole: principal.role, actorId: actor(principal), action: `supervision.${body.mode}`, target: s.agentId, data: { sessionId: s.id, callId: s.callId, switched: true } });
      return sessionView(s);
    },
  });
  routes.add({
    method: 'DELETE',
    url: '/api/v1/supervision/:id',
    summary: 'Stop a supervision session (audited)',
    roles: SUPERVISING_ROLES,
    params: z.object({ id: z.string().min(1).max(200) }),
    handler: async ({ params, principal }) => {
      const s = d.supervision.get(params.id);
      d.supervision.stop(params.id);
      await d.audit.record({ actorRole: principal.role, actorId: actor(principal), action: 'supervision.stop', target: s.agentId, data: { sessionId: s.id, callId: s.callId } });
      return { ok: true };
    },
  });
}

function sessionView(s: import('./supervision.service.js').SupervisionSession) {
  return { id: s.id, callId: s.callId, agentId: s.agentId, seat: s.seat, mode: s.mode, phase: s.phase, snoopId: s.snoopId ?? null, seatLeg: s.seatLeg, bridgeId: s.bridgeId };
}
