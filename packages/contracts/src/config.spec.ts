import { describe, expect, it } from 'vitest';
import { DEFAULT_DIAL_ALLOWED, DEFAULT_DIAL_REFUSED, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      CTI_HTTP_PORT: 8080,
      CTI_DB_SCHEMA: 'cti',
      CTI_ARI_APP: 'cti12345',
      CTI_SEATS: 27,
      CTI_SEAT_BASE_PORT: 16000,
      CTI_SEAT_CONTACT: 'sip:seat@127.0.0.1:{port}',
      CTI_RING_TIMEOUT_S: 15,
      CTI_WRAP_UP_S: 0,
      CTI_LOG_LEVEL: 'info',
      CTI_DEMO: false,
    });
  });

  it('coerces numbers and booleans from strings', () => {
    const c = loadConfig({ CTI_SEATS: '3', CTI_HTTP_PORT: '9090', CTI_DEMO: 'yes' });
    expect([c.CTI_SEATS, c.CTI_HTTP_PORT, c.CTI_DEMO]).toEqual([3, 9090, true]);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });

  it.each([
    ['CTI_HTTP_PORT', '70000'],
    ['CTI_SEATS', '0'],
    ['CTI_RING_TIMEOUT_S', '2'],
    ['CTI_DB_SCHEMA', 'Bad-Schema'],
    ['CTI_ARI_URL', 'not a url'],
    ['CTI_ARI_PASSWORD', 'short'],
    ['CTI_LOG_LEVEL', 'loud'],
    ['CTI_DEMO', 'maybe'],
  ])('names %s in the error when it is %j', (field, value) => {
    expect(() => loadConfig({ [field]: value })).toThrow(new RegExp(`invalid configuration: .*${field}:`));
  });

  it('names every invalid field at once', () => {
    expect(() => loadConfig({ CTI_SEATS: 'x', CTI_AMI_PORT: '-1' })).toThrow(/CTI_SEATS:.*; CTI_AMI_PORT:|CTI_AMI_PORT:.*; CTI_SEATS:/);
  });
});

describe('loadConfig: values rendered into Asterisk config files', () => {
  it.each([
    ['CTI_AMI_PASSWORD', 'secret-1\n[evil]\nsecret=x\nwrite=all', /CTI_AMI_PASSWORD: must not contain control characters/],
    ['CTI_AMI_PASSWORD', 'secret-1;comment', /CTI_AMI_PASSWORD: must not contain ';'/],
    ['CTI_ARI_PASSWORD', 'pass\\;word-1', /CTI_ARI_PASSWORD: must not contain ';', '\\'/],
    ['CTI_ARI_PASSWORD', 'pass word 1', /CTI_ARI_PASSWORD: must not contain blanks/],
    ['CTI_ARI_PASSWORD', 'password\r', /CTI_ARI_PASSWORD: must not contain control characters/],
    ['CTI_ARI_PASSWORD', 'pässwörd-1', /CTI_ARI_PASSWORD: must be printable ASCII/],
    ['CTI_AMI_USER', 'cti](!)', /CTI_AMI_USER: expected letters, digits/],
    ['CTI_ARI_USER', 'cti:x', /CTI_ARI_USER: expected letters, digits/],
    ['CTI_SIP_BIND', '0.0.0.0\nexternal_media_address=1.2.3.4', /CTI_SIP_BIND: expected a host name/],
    ['CTI_TRUNK_PRIMARY', '127.0.0.11:5070\n#exec /bin/sh', /CTI_TRUNK_PRIMARY: expected an IPv4 address/],
    ['CTI_TRUNK_BACKUP', 'carrier.example', /CTI_TRUNK_BACKUP: expected an IPv4 address/],
    ['CTI_SEAT_CONTACT', 'sip:seat@127.0.0.1:{port};transport=tcp', /CTI_SEAT_CONTACT: expected a SIP URI/],
    ['CTI_PARTNER_HOST', 'partners.example', /CTI_PARTNER_HOST: expected an IPv4 address/],
    ['CTI_SEAT_NETWORKS', '10.0.0.0/8;', /CTI_SEAT_NETWORKS: expected comma-separated IPv4 networks/],
  ])('rejects %s = %j naming the variable and the reason', (field, value, message) => {
    expect(() => loadConfig({ [field]: value })).toThrow(message);
  });

  it('accepts secrets with $, &, =, # and quotes, which are literal in a value', () => {
    const c = loadConfig({ CTI_AMI_PASSWORD: `a$&b$'c=>d#e"f`, CTI_ARI_PASSWORD: '$1$`x$&-pass' });
    expect([c.CTI_AMI_PASSWORD, c.CTI_ARI_PASSWORD]).toEqual([`a$&b$'c=>d#e"f`, '$1$`x$&-pass']);
  });
});

describe('loadConfig: CTI_ENV=production', () => {
  const own = {
    CTI_ENV: 'production',
    CTI_ARI_PASSWORD: 'ari-0123456789abcdef',
    CTI_AMI_PASSWORD: 'ami-0123456789abcdef',
    CTI_EXCHANGE_OUTBOUND_SECRET: 'out-0123456789abcdef',
    CTI_EXCHANGE_INBOUND_SECRET: 'in-0123456789abcdef',
    CTI_METRICS_TOKEN: 'metrics-0123456789abcdef',
  };

  it('starts with own secrets and a /metrics token', () => {
    expect(loadConfig(own).CTI_ENV).toBe('production');
  });

  it('refuses every shipped default secret and an open /metrics, listing each', () => {
    expect(() => loadConfig({ CTI_ENV: 'production' })).toThrow(
      'refusing to start with CTI_ENV=production: CTI_ARI_PASSWORD is the shipped default; CTI_AMI_PASSWORD is the shipped default; ' +
        'CTI_EXCHANGE_OUTBOUND_SECRET is the shipped default; CTI_EXCHANGE_INBOUND_SECRET is the shipped default; ' +
        'CTI_METRICS_TOKEN is empty (GET /metrics would be open)',
    );
  });

  it.each(['CTI_ARI_PASSWORD', 'CTI_AMI_PASSWORD', 'CTI_EXCHANGE_OUTBOUND_SECRET', 'CTI_EXCHANGE_INBOUND_SECRET'])('refuses the shipped %s alone', (field) => {
    const env: Record<string, string> = { ...own };
    delete env[field];
    expect(() => loadConfig(env)).toThrow(new RegExp(`CTI_ENV=production: ${field} is the shipped default$`));
  });

  it('refuses a short /metrics token', () => {
    expect(() => loadConfig({ ...own, CTI_METRICS_TOKEN: 'short' })).toThrow(/CTI_METRICS_TOKEN is shorter than 16 characters/);
  });

  it('accepts the shipped defaults in development', () => {
    expect(loadConfig({}).CTI_ENV).toBe('development');
  });
});

describe('loadConfig: dial policy', () => {
  it('uses the built-in patterns when CTI_DIAL_ALLOWED / CTI_DIAL_REFUSED are empty or unset', () => {
    for (const env of [{}, { CTI_DIAL_ALLOWED: '', CTI_DIAL_REFUSED: ' ' }]) {
      const c = loadConfig(env);
      expect([c.CTI_DIAL_ALLOWED, c.CTI_DIAL_REFUSED]).toEqual([DEFAULT_DIAL_ALLOWED, DEFAULT_DIAL_REFUSED]);
    }
    expect(DEFAULT_DIAL_ALLOWED).toBe('1[3-9]\\d{9},0836\\d{7},[2-8]\\d{6}');
  });

  it('names a dial pattern that does not compile', () => {
    expect(() => loadConfig({ CTI_DIAL_ALLOWED: '1[3-9\\d{9}' })).toThrow(/CTI_DIAL_ALLOWED: pattern "1\[3-9\\\\d\{9\}" is not a valid regular expression/);
  });
});
