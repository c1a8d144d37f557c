import type { E2eContext } from './e2e.env.js';
import { STEP_BOUND_MS, waitFor } from './processes.js';
import { startTrunkUas, type TrunkPhone } from './sipp.js';

export type TrunkName = 'trunk-primary' | 'trunk-backup';

/** The address (ip, port) Asterisk reaches `trunk` at in this run. */
function address(ctx: E2eContext, trunk: TrunkName): [string, number] {
  const [ip, port] = (ctx.env[trunk === 'trunk-primary' ? 'CTI_TRUNK_PRIMARY' : 'CTI_TRUNK_BACKUP'] as string).split(':') as [string, string];
  return [ip, Number(port)];
}

/** A SIPp phone running `scenario` at `trunk`'s address (a partner's line, an outside number), its messages logged. */
export function startTrunkPhone(ctx: E2eContext, trunk: TrunkName, scenario: string, ms = 0): TrunkPhone {
  const [ip, port] = address(ctx, trunk);
  return startTrunkUas(ctx.root, ip, port, scenario, `${ctx.root}.run/${ctx.runId}/sipp`, ms);
}

/**
 * Waits until Asterisk will place calls to `trunk` through `phone`: the phone has answered a qualify OPTIONS, and the
 * gateway reports the trunk up. Seeing the trunk "up" alone is not enough: an earlier phone at the address (a caller
 * placed from it, say) left it up, and a qualify Asterisk sent just before this phone bound the port still fails
 * after that, making the trunk unreachable until the next qualify (15 s later). Qualifies of a contact do not overlap
 * (the frequency is longer than the timeout), so once this phone has answered one, none sent before it can still fail.
 */
export async function trunkAnswering(ctx: E2eContext, phone: TrunkPhone, trunk: TrunkName): Promise<void> {
  await waitFor(`${trunk} qualified through the test's phone`, async () => {
    if (!phone.answeredQualify()) return false;
    return (await (await fetch(`${ctx.apiUrl}/healthz`)).json()).trunks[trunk]?.status === 'up';
  }, STEP_BOUND_MS, 300); // four qualify rounds (every 15 s)
}
