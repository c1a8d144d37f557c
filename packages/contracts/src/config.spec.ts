import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

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
