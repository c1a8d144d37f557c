import { describe, expect, it } from 'vitest';
import { ManualClock } from '@cti/domain';
import { FakeTelephony, silentLogger } from '../call/call.fixtures.test.js';
import { LinkageService } from './linkage.service.js';
import { PartnerDirectory } from './partner.directory.js';
import type { ControlledCalls } from './control.ports.js';

describe('LinkageService.beginExternal', () => {
  it.each(['139*1234', '13900001111@trunk-backup', '1390000;1111', '+8613900001111', '12'])('refuses %j before any dial string is built', async (number) => {
    const telephony = new FakeTelephony();
    const calls = { findCallByAgent: () => ({ callId: 'c1', bridgeId: 'b1', agentChannelId: 'ag1', callerNumber: '13800001234' }) } as unknown as ControlledCalls;
    const service = new LinkageService(telephony, calls, PartnerDirectory.fromConfig(30), { snapshot: () => ({}) }, { publish: async () => undefined }, { publish: () => undefined }, new ManualClock(0), silentLogger(), { presentedNumber: '12345' });
    await expect(service.beginExternal('a01', number, true)).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    expect(telephony.argsOf('dial')).toEqual([]);
  });
});
