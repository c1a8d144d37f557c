import type { TrunkName } from './call-record.js';
import type { PartnerLine } from './partner-lines.js';

/** Partner key of a transfer to an outside number: not a directory line, never an emergency hand-over of the ticket. */
export const EXTERNAL_LINKAGE_PARTNER = 'external';

/** Who a linkage was with: one of PARTNER_LINES, or EXTERNAL_LINKAGE_PARTNER for an outside number. */
export type LinkagePartner = PartnerLine | typeof EXTERNAL_LINKAGE_PARTNER;

/** How a matter goes to a partner line (docs/domain.md §4): wholly theirs, or a three-way call to agree who takes it. */
export type LinkageMode = 'transfer' | 'three_way';

/** How a linkage attempt ended: the partner answered, did not answer, could not be reached on either trunk, or was cancelled. */
export type LinkageResult = 'answered' | 'no_answer' | 'failed' | 'cancelled';

/**
 * One finished linkage of a citizen's call with an emergency or utility partner (110/119/120/122, water, power,
 * gas, heating). Keyed by `id` so redelivery is idempotent; `linkedId` is the call's. Times are epoch ms.
 */
export interface LinkageRecord {
  id: string;
  linkedId: string;
  /** Partner key: one of PARTNER_LINES, or `external` for a transfer to an outside number. */
  partner: LinkagePartner;
  /** Number dialled on the trunk. */
  number: string;
  mode: LinkageMode;
  agentId?: string;
  /** Trunk that carried the partner leg (the last one tried when none answered). */
  trunk?: TrunkName;
  dialledAt: number;
  answeredAt?: number;
  /** When the agent left the call to caller and partner (hand-off). */
  agentLeftAt?: number;
  endedAt: number;
  result: LinkageResult;
}
