import { describe, expect, it } from 'vitest';
import { spiedChannelOf } from './telephony.port.js';

describe('spiedChannelOf', () => {
  it('reads the spied channel from a snoop channel name, ids with dashes included', () => {
    expect(spiedChannelOf('Snoop/1733475600.42-0000001a')).toBe('1733475600.42');
    expect(spiedChannelOf('Snoop/1733475600.42-seat-1-0000001a')).toBe('1733475600.42-seat-1');
  });

  it('is undefined for any other channel', () => {
    expect(spiedChannelOf('PJSIP/trunk-primary-0000001a')).toBeUndefined();
    expect(spiedChannelOf('Snoop/abc')).toBeUndefined();
    expect(spiedChannelOf('Local/x@y-0000001a;1')).toBeUndefined();
  });
});
