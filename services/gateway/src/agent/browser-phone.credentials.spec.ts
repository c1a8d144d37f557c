import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AcdEngine, ManualClock, defaultAcdConfig } from '@cti/domain';
import type { AgentRow } from '@cti/db';
import { AgentService } from './agent.service.js';
import { BrowserPhoneCredentialsService, SeatSecretsFile } from './browser-phone.credentials.js';

const rows: AgentRow[] = ['a1', 'a2'].map((id) => ({ id, name: id, skills: { mandarin: 5 }, backup: false, created_at: new Date(0) }));

function fixture(endpoints = ['seat-01', 'seat-02', 'seat-01-web', 'seat-02-web']) {
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 0 }, new ManualClock(0));
  const agents = new AgentService(acd, { findById: async (id) => rows.find((r) => r.id === id), list: async () => rows }, new Set(endpoints), () => undefined);
  const file = join(mkdtempSync(join(tmpdir(), 'seat-secrets-')), 'seat-secrets.json');
  writeFileSync(file, JSON.stringify({ 'seat-01-web': 'pw-one' }));
  const phones = new BrowserPhoneCredentialsService(acd, new SeatSecretsFile(file), 'wss://desk.example.test:8189/ws');
  return { acd, agents, phones };
}

describe('seats with a desk phone and a browser phone', () => {
  it("rings the seat's browser phone when the agent logs in with it, and hands that agent its SIP credentials", async () => {
    const { agents, phones } = fixture();
    expect((await agents.login('a1', 'seat-01', 'browser')).seat).toBe('seat-01-web');
    expect(await phones.forAgent('a1')).toEqual({ endpoint: 'seat-01-web', seat: 'seat-01', wsUrl: 'wss://desk.example.test:8189/ws', sipUri: 'sip:seat-01-web@desk.example.test', password: 'pw-one' });
  });

  it('keeps one agent per seat whichever phone, and refuses a browser phone where none is configured', async () => {
    const { agents } = fixture();
    await agents.login('a1', 'seat-01', 'desk');
    await expect(agents.login('a2', 'seat-01', 'browser')).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    await expect(agents.login('a1', 'seat-02', 'browser')).rejects.toThrow('already logged in at seat-01');
    expect((await agents.login('a1', 'seat-01')).seat).toBe('seat-01'); // the same login again is a no-op
    const deskOnly = fixture(['seat-01', 'seat-02']);
    await expect(deskOnly.agents.login('a1', 'seat-01', 'browser')).rejects.toThrow('seat seat-01 has no browser phone');
  });

  it('gives no credentials to an agent on a desk phone, logged out, or whose phone has no password', async () => {
    const { agents, phones } = fixture();
    await expect(phones.forAgent('a1')).rejects.toMatchObject({ code: 'CTI_ERR_INVALID_STATE' });
    await agents.login('a1', 'seat-01', 'desk');
    await expect(phones.forAgent('a1')).rejects.toThrow('takes calls on the desk phone of seat-01');
    await agents.login('a2', 'seat-02', 'browser');
    await expect(phones.forAgent('a2')).rejects.toMatchObject({ code: 'CTI_ERR_UNAVAILABLE' });
  });
});
