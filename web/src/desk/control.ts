// Transfers and linkages of the call in hand, as the desk follows them: what the gateway says about the call
// (GET /api/v1/agents/:id/call) and the feed's transfer.* and linkage.* events, and the actions that start, finish or
// cancel them. Refusals come back as ApiError with the gateway's reason (e.g. the dial policy's 403), shown as is.
import { reactive } from 'vue';
import { api } from '@shared/api';
import type { FeedEvent } from './feed';

/** A partner line of the linkage directory (GET /api/v1/partners). */
export interface PartnerLine {
  key: string;
  name: string;
  numbers: string[];
  ringTimeoutS: number;
}

/** The linkage in progress on the call: a partner line or an outside number (`external`). */
export interface LiveLinkage {
  partner: string;
  mode: 'transfer' | 'three_way';
  phase: 'ringing' | 'connected' | 'handed_off';
  trunk: string;
  /** Server epoch ms the partner started ringing. */
  since: number;
  /** Which of the partner's numbers rings (0 = the first). */
  numberIndex: number;
}

/** A linkage that did not reach the partner: what the agent may try next. */
export interface FailedLinkage {
  partner: string;
  mode: 'transfer' | 'three_way';
  result: 'no_answer' | 'failed' | string;
  /** The partner's next number, or null when this was the last. */
  nextNumberIndex: number | null;
  numberIndex: number;
}

/** A transfer this agent started, while the target rings or they consult. */
export interface OutgoingTransfer {
  kind: 'blind' | 'attended';
  phase: 'ringing' | 'consulting';
  toAgentId: string;
}

/** Someone to transfer to (GET /api/v1/agents/:id/transfer-targets). */
export interface TransferTargets {
  agents: Array<{ agentId: string; name: string; state: string; skills: string[] }>;
  skills: string[];
}

export const PARTNER_LABELS: Record<string, string> = { '110': '110 公安', '119': '119 消防', '120': '120 急救', '122': '122 交警', water: '供水', power: '供电', gas: '燃气', heating: '供暖', external: '外线' };
export const SKILL_LABELS: Record<string, string> = { mandarin: '普通话组', tibetan: '藏语组', callback: '回访组', legal: '法律咨询组' };

export function createCallControl(agentId: string, serverNow: () => number) {
  const state = reactive({
    transfer: undefined as OutgoingTransfer | undefined,
    /** A three-way call with another agent (an attended transfer turned conference). */
    conferenceWith: undefined as string | undefined,
    linkage: undefined as LiveLinkage | undefined,
    failed: undefined as FailedLinkage | undefined,
    /** What the last transfer attempt came to, for the agent to read ("a27 未接听"). */
    notice: '',
    partners: [] as PartnerLine[],
  });
  const path = (p: string) => `/agents/${encodeURIComponent(agentId)}/call${p}`;
  /**
   * linkage.* events read so far. The feed can tell more than a request's answer before that answer arrives (a partner
   * that answers at once: linkage.answered comes over the WebSocket before the POST's response says "ringing"), so a
   * request's answer is used only when no linkage event came while it was on its way.
   */
  let linkageEvents = 0;

  /** The gateway's view of the call (after a reload, a reconnect, or an action). */
  async function refresh(): Promise<void> {
    const c = await api<{ transfer: { kind: 'blind' | 'attended'; phase: 'ringing' | 'consulting'; toAgentId: string } | null; linkage: { partner: string; mode: 'transfer' | 'three_way'; phase: LiveLinkage['phase']; trunk: string } | null }>('GET', path('')).catch(() => undefined);
    if (!c) {
      reset();
      return;
    }
    state.transfer = c.transfer ? { kind: c.transfer.kind, phase: c.transfer.phase, toAgentId: c.transfer.toAgentId } : undefined;
    if (c.linkage) state.linkage = { numberIndex: state.linkage?.numberIndex ?? 0, since: state.linkage?.since ?? serverNow(), ...c.linkage };
    else state.linkage = undefined;
  }

  function reset(): void {
    state.transfer = undefined;
    state.conferenceWith = undefined;
    state.linkage = undefined;
    state.failed = undefined;
    state.notice = '';
  }

  /** Feed events about this agent's transfers and linkages. */
  function onEvent(e: FeedEvent): void {
    const fromMe = e.fromAgentId === agentId;
    if (e.type.startsWith('linkage.')) linkageEvents++;
    switch (e.type) {
      case 'transfer.ringing':
        if (fromMe) state.transfer = { kind: e.kind as 'blind' | 'attended', phase: 'ringing', toAgentId: String(e.toAgentId) };
        break;
      case 'transfer.consulting':
        if (fromMe && state.transfer) state.transfer.phase = 'consulting';
        break;
      case 'transfer.conference':
        if (fromMe) {
          state.transfer = undefined;
          state.conferenceWith = String(e.toAgentId);
        }
        break;
      case 'transfer.cancelled':
        if (fromMe) state.transfer = undefined;
        break;
      case 'transfer.failed':
        if (fromMe) {
          state.transfer = undefined;
          state.notice = `${String(e.toAgentId)} 未接听，${e.kind === 'blind' ? '来电已重新排队' : '已回到与来电人的通话'}`;
        }
        break;
      case 'transfer.completed':
        if (fromMe) state.transfer = undefined;
        break;
      case 'linkage.dialling':
        state.failed = undefined;
        state.linkage = { partner: String(e.partner), mode: e.mode as LiveLinkage['mode'], phase: 'ringing', trunk: String(e.trunk), since: e.at, numberIndex: state.linkage?.numberIndex ?? 0 };
        break;
      case 'linkage.trunk_fallback':
        if (state.linkage) state.linkage.trunk = String(e.to);
        break;
      case 'linkage.answered':
        if (state.linkage) {
          state.linkage.phase = 'connected';
          state.linkage.since = e.at;
        }
        break;
      case 'linkage.handed_off':
        if (state.linkage) state.linkage.phase = 'handed_off';
        break;
      case 'linkage.failed':
        state.failed = { partner: String(e.partner), mode: state.linkage?.mode ?? 'three_way', result: String(e.result), nextNumberIndex: (e.nextNumberIndex as number | null) ?? null, numberIndex: state.linkage?.numberIndex ?? 0 };
        break;
      case 'linkage.ended':
        if (state.linkage?.phase !== 'handed_off') state.linkage = undefined;
        break;
    }
  }

  return {
    state,
    refresh,
    reset,
    onEvent,
    async loadPartners(): Promise<void> {
      state.partners = (await api<{ items: PartnerLine[] }>('GET', '/partners')).items;
    },
    targets: () => api<TransferTargets>('GET', `/agents/${encodeURIComponent(agentId)}/transfer-targets`),
    /** One-click linkage (mode transfer) or a three-way call with a partner line; `numberIndex` tries another number. */
    async link(partner: string, mode: LiveLinkage['mode'], numberIndex = 0): Promise<void> {
      state.failed = undefined;
      const seen = linkageEvents;
      const l = await api<{ phase: LiveLinkage['phase']; trunk: string }>('POST', path('/linkage'), { partner, mode, ...(numberIndex > 0 && { numberIndex }) });
      if (linkageEvents !== seen) {
        if (state.linkage?.partner === partner) state.linkage.numberIndex = numberIndex;
        return;
      }
      state.linkage = { partner, mode, phase: l.phase, trunk: l.trunk, since: state.linkage?.since ?? serverNow(), numberIndex };
    },
    handOff: () => api('POST', path('/linkage/hand-off')),
    async cancelLinkage(): Promise<void> {
      await api('POST', path('/linkage/cancel'));
      state.linkage = undefined;
    },
    /** To an outside number within the dial policy; blind = the agent leaves when it answers. */
    async external(number: string, mode: 'blind' | 'three_way'): Promise<void> {
      state.failed = undefined;
      const seen = linkageEvents;
      const l = await api<{ phase: LiveLinkage['phase']; trunk: string }>('POST', path('/transfer/external'), { number, mode });
      if (linkageEvents !== seen) return;
      state.linkage = { partner: 'external', mode: mode === 'blind' ? 'transfer' : 'three_way', phase: l.phase, trunk: l.trunk, since: serverNow(), numberIndex: 0 };
    },
    async toAgent(target: string, kind: 'blind' | 'attended'): Promise<void> {
      state.notice = '';
      const t = await api<{ kind: 'blind' | 'attended'; phase: 'ringing' | 'consulting'; toAgentId: string }>('POST', path('/transfer'), { kind, toAgent: target });
      state.transfer = { kind: t.kind, phase: state.transfer?.phase === 'consulting' ? 'consulting' : t.phase, toAgentId: t.toAgentId };
    },
    toSkill: (skill: string) => api('POST', path('/transfer'), { kind: 'blind', toSkill: skill }),
    async complete(): Promise<void> {
      await api('POST', path('/transfer/complete'));
      state.transfer = undefined;
    },
    async cancelTransfer(): Promise<void> {
      await api('POST', path('/transfer/cancel'));
      state.transfer = undefined;
    },
    async conference(): Promise<void> {
      const to = state.transfer?.toAgentId;
      await api('POST', path('/transfer/conference'));
      state.transfer = undefined;
      state.conferenceWith = to;
    },
  };
}

export type CallControl = ReturnType<typeof createCallControl>;
