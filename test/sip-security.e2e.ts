// SIP perimeter through the real stack: a stranger posing as the carrier is refused before the dialplan, and a
// registering seat needs its own generated password (a second Asterisk instance with registering seats).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { AmiClient } from '@cti/asterisk';
import { api } from './support/api.js';
import { asteriskScript, waitFor } from './support/processes.js';
import { runScenario } from './support/sipp.js';

const ctx = inject('e2e');
const ariAuth = `Basic ${Buffer.from(`${ctx.env.CTI_ARI_USER ?? 'cti'}:${ctx.env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;
const slot = Number(ctx.env.CTI_HTTP_PORT) - 8180;

async function ariChannels(): Promise<Array<{ name: string; caller: { number: string } }>> {
  const res = await fetch(`${ctx.env.CTI_ARI_URL}/ari/channels`, { headers: { authorization: ariAuth } });
  expect(res.status).toBe(200);
  return (await res.json()) as Array<{ name: string; caller: { number: string } }>;
}

describe('a stranger posing as the carrier trunk', () => {
  // The trunks' names (what Asterisk's default username identification matched), a partner's, a seat's (its ACL
  // admits 127.0.0.1 only), an anonymous caller and an unknown citizen number.
  it.each(['trunk-primary', 'trunk-backup', 'partner-110', 'seat-01', 'anonymous', '13900001111'])(
    'is refused when its INVITE comes from a non-trunk address with %s in From, and no call reaches Stasis',
    async (fromUser) => {
      const run = await runScenario(ctx.root, {
        target: `127.0.0.1:${ctx.env.CTI_SIP_PORT}`,
        from: `127.0.0.9:${5170 + slot}`,
        scenario: 'spoofed-trunk',
        args: ['-s', '12345', '-key', 'from_user', fromUser],
      });
      expect(run.successful, run.output.slice(-2000)).toBe(1);
      expect(await ariChannels()).toEqual([]);
      const live = await api(ctx, 'GET', '/api/v1/control/calls');
      expect(live.status).toBe(200);
      expect(live.body.items).toEqual([]);
    },
  );
});

describe('registering seats (a second Asterisk instance with CTI_SEAT_CONTACT empty)', () => {
  const instance = `e2e${slot}reg`;
  const secretsFile = `${ctx.root}.run/${ctx.runId}/seat-secrets.json`;
  const env = {
    ...ctx.env,
    CTI_SEAT_CONTACT: '',
    CTI_SEATS: '2',
    CTI_SEAT_SECRETS_FILE: secretsFile,
    // Desk phones only: the run's own instance holds the browser phones' TLS port.
    CTI_WEBRTC_CERT_FILE: '',
    CTI_SEAT_NETWORKS: '127.0.0.1/32',
    CTI_SIP_PORT: String(5290 + slot),
    CTI_AMI_PORT: String(5149 + slot),
    CTI_ARI_URL: `http://127.0.0.1:${8298 + slot}`,
    CTI_RTP_START: String(42000 + slot * 100),
    CTI_RTP_END: String(42099 + slot * 100),
  };
  const target = `127.0.0.1:${env.CTI_SIP_PORT}`;
  const seatPort = Number(ctx.env.CTI_SEAT_BASE_PORT) + 90;
  let secrets: Record<string, string> = {};

  beforeAll(() => {
    asteriskScript(ctx.root, env, 'stop', instance);
    asteriskScript(ctx.root, env, 'start', instance);
    secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
  });
  afterAll(() => {
    asteriskScript(ctx.root, env, 'stop', instance);
  });

  const register = (seat: string, password: string, ip = '127.0.0.1') =>
    runScenario(ctx.root, { target, from: `${ip}:${seatPort}`, scenario: 'seat-register', args: ['-s', seat, '-au', seat, '-ap', password] });

  it('generates a different password for every seat', () => {
    expect(Object.keys(secrets).sort()).toEqual(['seat-01', 'seat-02']);
    expect(secrets['seat-01']).not.toBe(secrets['seat-02']);
  });

  it('accepts a seat registering with its own password', async () => {
    const run = await register('seat-02', secrets['seat-02'] as string);
    expect(run.successful, run.output.slice(-2000)).toBe(1);
  });

  it("refuses a seat registering with another seat's password", async () => {
    const run = await register('seat-02', secrets['seat-01'] as string);
    expect(run.successful).toBe(0);
    expect(run.failed, run.output.slice(-2000)).toBe(1);
  });

  it('refuses a seat registering with its own password from outside CTI_SEAT_NETWORKS', async () => {
    const run = await register('seat-01', secrets['seat-01'] as string, '127.0.0.9');
    expect(run.successful).toBe(0);
    expect(run.failed, run.output.slice(-2000)).toBe(1);
  });
});

describe('the AMI user', () => {
  it('may send the actions the code uses but neither CLI commands nor Originate', async () => {
    const quiet = { info() {}, warn() {}, error() {} };
    const ami = new AmiClient(
      { host: '127.0.0.1', port: Number(ctx.env.CTI_AMI_PORT), user: ctx.env.CTI_AMI_USER ?? 'cti', password: ctx.env.CTI_AMI_PASSWORD ?? 'cti-ami-secret' },
      quiet,
    );
    ami.start();
    try {
      await waitFor('AMI login', () => ami.isUp(), 10_000, 50);
      expect((await ami.action({ action: 'CoreSettings' })).asteriskversion).toMatch(/^22\./);
      expect(Array.isArray(await ami.listAction({ action: 'PJSIPShowEndpoint', endpoint: 'trunk-primary' }, 'ContactStatusDetail'))).toBe(true);
      await expect(ami.action({ action: 'Command', command: 'core show version' })).rejects.toThrow(/Permission denied/);
      await expect(ami.action({ action: 'Originate', channel: 'Local/12345@cti-inbound', application: 'Wait', data: '1' })).rejects.toThrow(/Permission denied/);
    } finally {
      ami.stop();
    }
  });
});
