import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadConfig } from '@cti/contracts';
import { ariAppNames, renderAsteriskConf, seatName } from './asterisk-conf.render.js';

const templateDir = fileURLToPath(new URL('../../../asterisk-conf', import.meta.url));
const templates: Record<string, string> = Object.fromEntries(
  readdirSync(templateDir)
    .filter((f) => f.endsWith('.conf'))
    .map((f) => [f, readFileSync(join(templateDir, f), 'utf8')]),
);

/** pjsip.conf sections as [name, body] pairs, in file order. */
function sections(conf: string): Array<[string, string]> {
  return conf.split(/^(?=\[)/m).filter((s) => s.startsWith('[')).map((s) => [/^\[([^\]]+)\]/.exec(s)?.[1] ?? '', s]);
}
const seatSections = (pjsip: string, type: string) => sections(pjsip).filter(([n, body]) => n.startsWith('seat-') && n !== 'seat-defaults' && (type === 'endpoint' ? /\(seat-defaults\)/.test(body) : body.includes(`type = ${type}`)));

describe('renderAsteriskConf with the real templates', () => {
  const out = renderAsteriskConf(templates, loadConfig({}), '/var/cti/ast1');

  it('leaves no placeholder or generation marker behind in any file', () => {
    expect(Object.keys(out).sort()).toEqual(Object.keys(templates).sort());
    for (const [file, text] of Object.entries(out)) {
      expect(text, file).not.toMatch(/\{\{|;@[A-Z_]+@/);
    }
  });

  it('names the node in asterisk.conf (systemname), so its channel and linked ids start with it', () => {
    expect(out['asterisk.conf']).toMatch(/^\[options\][\s\S]*^systemname = ast1$/m);
    expect(renderAsteriskConf(templates, loadConfig({ CTI_ASTERISK_NODE: 'gz-b2' }), '/x')['asterisk.conf']).toMatch(/^systemname = gz-b2$/m);
    expect(() => loadConfig({ CTI_ASTERISK_NODE: 'Node 1' })).toThrow(/CTI_ASTERISK_NODE/);
  });

  it('renders 27 seat endpoints seat-01..seat-27 with static contacts on ports 16001..16027', () => {
    const endpoints = seatSections(out['pjsip.conf'] as string, 'endpoint').map(([n]) => n);
    expect(endpoints).toEqual(Array.from({ length: 27 }, (_, i) => seatName(i + 1)));
    const contacts = seatSections(out['pjsip.conf'] as string, 'aor').map(([, body]) => /contact = (.*)/.exec(body)?.[1]);
    expect(contacts).toEqual(Array.from({ length: 27 }, (_, i) => `sip:seat@127.0.0.1:${16001 + i}`));
    expect(out['pjsip.conf']).not.toMatch(/type = auth/);
  });

  it('hangs up dead legs on trunks and seats: RTP timeouts (talking, held) and session timers from config', () => {
    const pjsip = renderAsteriskConf(templates, loadConfig({ CTI_RTP_TIMEOUT_S: '7', CTI_RTP_TIMEOUT_HOLD_S: '11', CTI_SIP_SESSION_EXPIRES_S: '600' }), '/x')['pjsip.conf'] as string;
    for (const name of ['trunk-defaults', 'seat-defaults']) {
      const body = sections(pjsip).find(([n]) => n === name)?.[1] ?? '';
      expect(body, name).toMatch(/^rtp_timeout = 7$/m);
      expect(body, name).toMatch(/^rtp_timeout_hold = 11$/m);
      expect(body, name).toMatch(/^timers = yes$/m);
      expect(body, name).toMatch(/^timers_sess_expires = 600$/m);
    }
  });

  it('qualifies every seat AOR (static or registering) every CTI_SEAT_QUALIFY_S, and not at all for 0', () => {
    // Registering seats each have their own password (CTI_SEAT_SECRETS_FILE).
    const secrets = Object.fromEntries(Array.from({ length: 27 }, (_, i) => [`seat-${String(i + 1).padStart(2, '0')}`, `secret${i + 1}xyz`]));
    for (const contact of ['sip:seat@127.0.0.1:{port}', '']) {
      const pjsip = renderAsteriskConf(templates, loadConfig({ CTI_SEAT_CONTACT: contact, CTI_SEAT_QUALIFY_S: '2' }), '/x', secrets)['pjsip.conf'] as string;
      const aors = seatSections(pjsip, 'aor');
      expect(aors).toHaveLength(27);
      for (const [n, body] of aors) expect(body, n).toMatch(/qualify_frequency = 2\nqualify_timeout = 2\.0\n/);
      const off = renderAsteriskConf(templates, loadConfig({ CTI_SEAT_CONTACT: contact, CTI_SEAT_QUALIFY_S: '0' }), '/x', secrets)['pjsip.conf'] as string;
      for (const [n, body] of seatSections(off, 'aor')) expect(body, n).not.toMatch(/qualify/);
    }
  });

  it('sends new callers to the fallback queue when the gateway heartbeat is older than CTI_GW_HEARTBEAT_STALE_S', () => {
    const ext = renderAsteriskConf(templates, loadConfig({ CTI_GW_HEARTBEAT_STALE_S: '4' }), '/x')['extensions.conf'] as string;
    const inbound = ext.slice(ext.indexOf('[cti-inbound]'), ext.indexOf('[cti-fallback]'));
    const check = inbound.indexOf('$[${EPOCH} - ${GLOBAL(CTI_GW_HEARTBEAT)} > 4]?cti-fallback,${EXTEN},1');
    expect(check).toBeGreaterThan(0);
    expect(check).toBeLessThan(inbound.indexOf('Stasis('));
    expect(ext).toMatch(/\[globals\]\n(;.*\n)*CTI_GW_HEARTBEAT = 0\n/);
  });

  it('retries a failed Stasis() a quarter second apart for CTI_STASIS_RETRY_MS before the fallback queue', () => {
    const render = (ms: string) => {
      const ext = renderAsteriskConf(templates, loadConfig({ CTI_STASIS_RETRY_MS: ms }), '/x')['extensions.conf'] as string;
      return ext.slice(ext.indexOf('[cti-inbound]'), ext.indexOf('[cti-fallback]'));
    };
    const inbound = render('3000');
    // The loop: Stasis(), a failure counted, the fallback once the tries are used up, else a wait and Stasis() again.
    expect(inbound).toMatch(/same => n\(stasis\),Stasis\(/);
    expect(inbound).toContain('GotoIf($["${STASISSTATUS}" != "FAILED"]?served)');
    expect(inbound).toContain('GotoIf($[${CTI_STASIS_TRIES} > 12]?cti-fallback,${EXTEN},1)');
    expect(inbound.indexOf('Wait(0.25)')).toBeGreaterThan(inbound.indexOf('CTI_STASIS_TRIES} > 12'));
    expect(inbound.indexOf('Goto(stasis)')).toBeGreaterThan(inbound.indexOf('Wait(0.25)'));
    expect(inbound).toMatch(/same => n\(served\),Hangup\(\)/);
    // The stale-heartbeat check still comes first: a gateway long gone costs the caller no retries.
    expect(inbound.indexOf('GLOBAL(CTI_GW_HEARTBEAT)')).toBeLessThan(inbound.indexOf('Stasis('));
    expect(render('0')).toContain('GotoIf($[${CTI_STASIS_TRIES} > 0]?cti-fallback,${EXTEN},1)');
    expect(render('1100')).toContain('GotoIf($[${CTI_STASIS_TRIES} > 5]?cti-fallback,${EXTEN},1)');
  });

  it('gives both trunks a qualified AOR and an identify section matching the carrier host', () => {
    const pjsip = out['pjsip.conf'] as string;
    for (const [trunk, host] of [['trunk-primary', '127.0.0.11'], ['trunk-backup', '127.0.0.12']] as const) {
      const parts = sections(pjsip).filter(([n]) => n === trunk).map(([, b]) => b);
      const aor = parts.find((b) => b.includes('type = aor')) ?? '';
      expect(aor).toMatch(/qualify_frequency = [1-9]\d*/);
      expect(aor).toContain(`contact = sip:${host}:5070`);
      const identify = parts.find((b) => b.includes('type = identify')) ?? '';
      expect(identify).toContain(`endpoint = ${trunk}`);
      expect(identify).toContain(`match = ${host}\n`);
    }
  });

  it('sends inbound calls to one of the sharded Stasis apps at random and falls back to a native Queue()', () => {
    const ext = out['extensions.conf'] as string;
    expect(ext).toContain('Stasis(cti12345-${RAND(0,3)},inbound,${CTI_TRUNK},${EXTEN})');
    expect(ariAppNames(loadConfig({}))).toEqual(['cti12345-0', 'cti12345-1', 'cti12345-2', 'cti12345-3']);
    expect(ext).toMatch(/\[cti-fallback\][\s\S]*Queue\(cti-fallback/);
    // The caller is in queue_log from the fallback's first step; a hang-up before Queue() logs ABANDON (h extension).
    const fallback = ext.slice(ext.indexOf('[cti-fallback]'), ext.indexOf('[cti-rating]'));
    expect(fallback.indexOf('QueueLog(cti-fallback,${UNIQUEID},NONE,ENTERQUEUE,${CTI_TRUNK}:${EXTEN}|${CALLERID(num)}|1)')).toBeLessThan(fallback.indexOf('Playback('));
    expect(fallback.indexOf('Set(CTI_FALLBACK_QUEUED=1)')).toBeLessThan(fallback.indexOf('Queue(cti-fallback'));
    expect(fallback).toMatch(/exten => h,1,GotoIf\(\$\["\$\{CTI_FALLBACK_QUEUED\}" = "1"\]\?done\)\n same => n,QueueLog\(cti-fallback,\$\{UNIQUEID\},NONE,ABANDON,1\|1\|0\)/);
    expect(out['queues.conf']).toContain('member => PJSIP/seat-27');
  });

  it('uses the plain app name when not sharded', () => {
    const one = loadConfig({ CTI_ARI_APP_SHARDS: '1' });
    expect(renderAsteriskConf(templates, one, '/run/cti/t')['extensions.conf']).toContain('Stasis(cti12345,inbound,${CTI_TRUNK},${EXTEN})');
    expect(ariAppNames(one)).toEqual(['cti12345']);
  });

  it('fills instance paths and credentials', () => {
    expect(out['asterisk.conf']).toContain('astetcdir => /var/cti/ast1/etc');
    expect(out['ari.conf']).toContain('[cti]');
    expect(out['http.conf']).toContain('bindport = 8188');
  });

  it('renders CTI_SEATS=3 as exactly three seats', () => {
    const three = renderAsteriskConf(templates, loadConfig({ CTI_SEATS: '3' }), '/x');
    expect(seatSections(three['pjsip.conf'] as string, 'endpoint').map(([n]) => n)).toEqual(['seat-01', 'seat-02', 'seat-03']);
    expect(three['queues.conf']?.match(/member => /g)).toHaveLength(3);
  });

  it('renders registering seats with auth, each with its own password, when CTI_SEAT_CONTACT is empty', () => {
    const reg = renderAsteriskConf(templates, loadConfig({ CTI_SEATS: '2', CTI_SEAT_CONTACT: '' }), '/x', { 'seat-01': 'pw-one-123456', 'seat-02': 'pw-two-654321' });
    const pjsip = reg['pjsip.conf'] as string;
    expect(seatSections(pjsip, 'auth').map(([n, b]) => [n, /username = (.*)/.exec(b)?.[1], /password = (.*)/.exec(b)?.[1]])).toEqual([
      ['seat-01', 'seat-01', 'pw-one-123456'],
      ['seat-02', 'seat-02', 'pw-two-654321'],
    ]);
    expect(seatSections(pjsip, 'endpoint').every(([n, b]) => b.includes(`auth = ${n}`))).toBe(true);
    const aors = seatSections(pjsip, 'aor').map(([, b]) => b);
    expect(aors.every((b) => b.includes('max_contacts = 1') && !b.includes('contact = sip:'))).toBe(true);
  });

  it('refuses to render a registering seat without a password of its own', () => {
    expect(() => renderAsteriskConf(templates, loadConfig({ CTI_SEATS: '2', CTI_SEAT_CONTACT: '' }), '/x', { 'seat-01': 'pw-one-123456' })).toThrow(
      'no SIP password for registering seat seat-02 (CTI_SEAT_SECRETS_FILE)',
    );
  });

  it('inserts values literally: $& and other replacement patterns in a password stay as they are', () => {
    const secrets = { 'seat-01': "a$&b$'c$`d$$e$1" };
    const reg = renderAsteriskConf(templates, loadConfig({ CTI_SEATS: '1', CTI_SEAT_CONTACT: '', CTI_AMI_PASSWORD: "ami$&$'$`$$-1" }), '/x', secrets);
    expect(reg['pjsip.conf']).toContain("password = a$&b$'c$`d$$e$1\n");
    expect(reg['manager.conf']).toContain("secret = ami$&$'$`$$-1\n");
    expect(reg['pjsip.conf']).not.toContain(';@SEATS@');
  });

  it('refuses a seat password from the secrets file that would add a line to pjsip.conf', () => {
    expect(() => renderAsteriskConf(templates, loadConfig({ CTI_SEATS: '1', CTI_SEAT_CONTACT: '' }), '/x', { 'seat-01': 'pw\n[evil]' })).toThrow(
      /the SIP password of seat-01 \(CTI_SEAT_SECRETS_FILE\) must not contain control characters/,
    );
  });

  it('identifies trunks by source address only, with no anonymous identifier, and admits each trunk from its host only', () => {
    const pjsip = out['pjsip.conf'] as string;
    const global = sections(pjsip).find(([n]) => n === 'global')?.[1] ?? '';
    expect(global).toMatch(/^endpoint_identifier_order = ip,username$/m);
    expect(out['modules.conf']).toMatch(/^noload => res_pjsip_endpoint_identifier_anonymous\.so$/m);
    expect(sections(pjsip).find(([n]) => n === 'trunk-defaults')?.[1]).toMatch(/^identify_by = ip$/m);
    for (const [trunk, host] of [['trunk-primary', '127.0.0.11'], ['trunk-backup', '127.0.0.12']] as const) {
      const endpoint = sections(pjsip).find(([n, b]) => n === trunk && b.includes('(trunk-defaults)'))?.[1] ?? '';
      expect(endpoint).toContain(`deny = 0.0.0.0/0.0.0.0\npermit = ${host}/255.255.255.255\n`);
    }
    for (const [name, body] of sections(pjsip).filter(([n, b]) => n.startsWith('partner-') && b.includes('(trunk-defaults)'))) {
      expect(body, name).toContain('deny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1/32\n');
    }
  });

  it('identifies seats by user name and admits their requests and contacts only from CTI_SEAT_NETWORKS', () => {
    const pjsip = renderAsteriskConf(templates, loadConfig({ CTI_SEAT_NETWORKS: '10.1.0.0/16,192.168.5.0/24' }), '/x')['pjsip.conf'] as string;
    const defaults = sections(pjsip).find(([n]) => n === 'seat-defaults')?.[1] ?? '';
    expect(defaults).toMatch(/^identify_by = username$/m);
    expect(defaults).toContain(
      'deny = 0.0.0.0/0.0.0.0\npermit = 10.1.0.0/16\npermit = 192.168.5.0/24\ncontact_deny = 0.0.0.0/0.0.0.0\ncontact_permit = 10.1.0.0/16\ncontact_permit = 192.168.5.0/24\n',
    );
  });

  it('throws naming the file and placeholder for an unknown {{X}}', () => {
    expect(() => renderAsteriskConf({ 'bad.conf': 'x = {{NOPE}}\n' }, loadConfig({}), '/x')).toThrow('asterisk-conf/bad.conf: unknown placeholder {{NOPE}}');
  });
});

describe('browser phones (CTI_WEBRTC_CERT_FILE set)', () => {
  const config = loadConfig({ CTI_SEATS: '3', CTI_WEBRTC_CERT_FILE: '/etc/cti/webrtc.crt', CTI_WEBRTC_KEY_FILE: '/etc/cti/webrtc.key', CTI_WEBRTC_BIND: '10.1.2.3', CTI_WEBRTC_PORT: '8443', CTI_SEAT_NETWORKS: '10.1.0.0/16' });
  const secrets = { 'seat-01-web': 'pw-one', 'seat-02-web': 'pw-two', 'seat-03-web': 'pw-three' };
  const out = renderAsteriskConf(templates, config, '/run/cti/demo', secrets);
  const pjsip = out['pjsip.conf'] as string;
  const byName = (name: string) => sections(pjsip).filter(([n]) => n === name).map(([, body]) => body);

  it('opens a TLS listener with the certificate inside the instance, and a WSS transport', () => {
    expect(out['http.conf']).toMatch(/^tlsenable = yes$/m);
    expect(out['http.conf']).toMatch(/^tlsbindaddr = 10\.1\.2\.3:8443$/m);
    expect(out['http.conf']).toMatch(/^tlscertfile = \/run\/cti\/demo\/etc\/keys\/webrtc\.crt$/m);
    expect(out['http.conf']).toMatch(/^tlsprivatekey = \/run\/cti\/demo\/etc\/keys\/webrtc\.key$/m);
    expect(byName('transport-wss')[0]).toMatch(/protocol = wss/);
  });

  it('gives each seat a webrtc browser phone seat-NN-web with its own password, admitted from the seat networks only', () => {
    const endpoints = sections(pjsip).filter(([, body]) => /\(browser-phone-defaults\)/.test(body)).map(([n]) => n);
    expect(endpoints).toEqual(['seat-01-web', 'seat-02-web', 'seat-03-web']);
    const defaults = byName('browser-phone-defaults')[0] as string;
    for (const line of ['webrtc = yes', 'transport = transport-wss', 'identify_by = username', 'context = from-seat', 'deny = 0.0.0.0/0.0.0.0', 'permit = 10.1.0.0/16', 'dtmf_mode = rfc4733']) expect(defaults).toContain(line);
    expect(byName('seat-02-web').find((b) => b.includes('type = auth'))).toMatch(/username = seat-02-web\npassword = pw-two\n/);
    expect(byName('seat-02-web').find((b) => b.includes('type = aor'))).toMatch(/max_contacts = 1\nremove_existing = yes/);
    // Desk phones stay as they were, and the fallback queue rings both kinds.
    expect(sections(pjsip).filter(([, body]) => /\(seat-defaults\)/.test(body)).map(([n]) => n)).toEqual(['seat-01', 'seat-02', 'seat-03']);
    expect(out['queues.conf']).toContain('member => PJSIP/seat-03\n');
    expect(out['queues.conf']).toContain('member => PJSIP/seat-03-web');
  });

  it('refuses to render a browser phone without a password, or with one that would change the file', () => {
    expect(() => renderAsteriskConf(templates, config, '/x', { 'seat-01-web': 'a', 'seat-02-web': 'b' })).toThrow('no SIP password for registering seat seat-03-web (CTI_SEAT_SECRETS_FILE)');
    expect(() => renderAsteriskConf(templates, config, '/x', { ...secrets, 'seat-01-web': 'x\n[evil]' })).toThrow(/seat-01-web .* must not contain control characters/);
  });

  it('renders nothing of it without a certificate', () => {
    const plain = renderAsteriskConf(templates, loadConfig({ CTI_SEATS: '3' }), '/x');
    expect(plain['http.conf']).not.toMatch(/tls/);
    expect(plain['pjsip.conf']).not.toMatch(/wss|webrtc|-web/);
  });
});
