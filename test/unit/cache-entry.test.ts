/**
 * The one codec of cached sessions (src/core/cache-entry.cts), which the full path and the credential-process fast
 * path both load: what it accepts as a cached session, what it prints for one, and how it counts time left.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import cacheEntry from '../../src/core/cache-entry.cjs';

const { credentialProcessJson, decodeCacheEntry, encodeCacheEntry, secondsLeft } = cacheEntry;

const good = {
  v: 1,
  fingerprint: 'fp',
  credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'sec/ret+', SessionToken: 'tok==', Expiration: '2030-01-01T01:00:00Z' },
};
const withCredentials = (patch: Record<string, unknown>) => JSON.stringify({ ...good, credentials: { ...good.credentials, ...patch } });

describe('decodeCacheEntry', () => {
  it.each([
    ['a good entry', JSON.stringify(good)],
    ['an empty fingerprint (it matches no plan)', JSON.stringify({ ...good, fingerprint: '' })],
    ['an Expiration with an offset', withCredentials({ Expiration: '2030-01-01T02:00:00+01:00' })],
    ['a date-only Expiration', withCredentials({ Expiration: '2030-01-01' })],
    ['extra fields', JSON.stringify({ ...good, extra: true, credentials: { ...good.credentials, Extra: 1 } })],
    ['unicode and escapes in values', withCredentials({ SecretAccessKey: 'é\u2028"\\/', SessionToken: '\u0000tok' })],
    ['no SessionToken (long-term keys: decoded, never printed)', withCredentials({ SessionToken: undefined })],
    ['an empty SessionToken (decoded as none)', withCredentials({ SessionToken: '' })],
  ])('accepts %s', (_, text) => {
    const entry = decodeCacheEntry(text);
    const raw = JSON.parse(text);
    expect(entry?.fingerprint).toBe(raw.fingerprint);
    expect(entry?.credentials.expiration.getTime()).toBe(Date.parse(raw.credentials.Expiration));
    expect(entry?.credentials.sessionToken).toBe(raw.credentials.SessionToken || undefined);
  });

  it.each([
    ['absent', null],
    ['undefined', undefined],
    ['empty', ''],
    ['not JSON', '{"v":1,'],
    ['JSON null', 'null'],
    ['an array', '[1]'],
    ['a string', '"x"'],
    ['version 2', JSON.stringify({ ...good, v: 2 })],
    ['version "1"', JSON.stringify({ ...good, v: '1' })],
    ['no fingerprint', JSON.stringify({ v: 1, credentials: good.credentials })],
    ['a numeric fingerprint', JSON.stringify({ ...good, fingerprint: 7 })],
    ['no credentials', JSON.stringify({ v: 1, fingerprint: 'fp' })],
    ['credentials as an array', JSON.stringify({ ...good, credentials: [good.credentials] })],
    ['no AccessKeyId', withCredentials({ AccessKeyId: undefined })],
    ['an empty AccessKeyId', withCredentials({ AccessKeyId: '' })],
    ['a numeric SecretAccessKey', withCredentials({ SecretAccessKey: 5 })],
    ['a null SessionToken', withCredentials({ SessionToken: null })],
    ['no Expiration', withCredentials({ Expiration: undefined })],
    ['an empty Expiration', withCredentials({ Expiration: '' })],
    ['an unparsable Expiration', withCredentials({ Expiration: 'soon' })],
    ['the long-term keys of a source', JSON.stringify({ AccessKeyId: 'AKIAEXAMPLE', SecretAccessKey: 'secret' })],
  ])('refuses %s', (_, text) => {
    expect(decodeCacheEntry(text)).toBeNull();
  });

  it('gives back what encodeCacheEntry stored, for any session', () => {
    const session = fc.record({
      fingerprint: fc.string(),
      credentials: fc.record({
        accessKeyId: fc.string({ minLength: 1 }),
        secretAccessKey: fc.string({ minLength: 1 }),
        sessionToken: fc.string({ minLength: 1 }),
        expiration: fc.date({ noInvalidDate: true, min: new Date('1971-01-01'), max: new Date('2999-01-01') }),
      }),
    });
    fc.assert(
      fc.property(session, (entry) => {
        expect(decodeCacheEntry(encodeCacheEntry(entry))).toEqual(entry);
      }),
      { numRuns: 300 },
    );
  });
});

describe('credentialProcessJson', () => {
  it('prints SPEC\'s JSON, keys in order, Expiration in UTC', () => {
    const entry = decodeCacheEntry(
      encodeCacheEntry({
        fingerprint: 'fp',
        credentials: { accessKeyId: 'ASIAQWERTY', secretAccessKey: 'a/b+c=', sessionToken: 'IQoJb3JpZ2luX2VjE"\\', expiration: new Date('2030-06-01T12:34:56.789Z') },
      }),
    )!;
    expect(credentialProcessJson(entry.credentials)).toBe(
      '{"Version":1,"AccessKeyId":"ASIAQWERTY","SecretAccessKey":"a/b+c=","SessionToken":"IQoJb3JpZ2luX2VjE\\"\\\\","Expiration":"2030-06-01T12:34:56.789Z"}',
    );
  });

  it('prints nothing for long-term keys', () => {
    expect(credentialProcessJson({ accessKeyId: 'AKIA', secretAccessKey: 's', expiration: new Date() })).toBeUndefined();
    expect(credentialProcessJson({ accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't' })).toBeUndefined();
  });
});

describe('secondsLeft', () => {
  it.each([
    [0, 0],
    [1, 0],
    [999, 0],
    [1000, 1],
    [300_999, 300],
    [-1, -1],
    [-1500, -2],
  ])('%i ms left is %i whole seconds', (ms, seconds) => {
    const now = new Date('2030-01-01T00:00:00.000Z');
    expect(secondsLeft({ expiration: new Date(now.getTime() + ms) }, now)).toBe(seconds);
  });

  it('is endless for long-term keys', () => {
    expect(secondsLeft({})).toBe(Infinity);
  });
});

describe('profileOfRoleSessionKey: secretKeys.roleSession read back', () => {
  const { secretKeys, profileOfRoleSessionKey } = cacheEntry;

  it('gives back the profile of every key roleSession makes, scoped or not, names with @ included', () => {
    for (const profile of ['prod-admin', 'a', 'team@prod-admin', 'x@y@z', 'prod-admin@', 'p.q+r_s-t']) {
      expect(profileOfRoleSessionKey(secretKeys.roleSession(profile, '0123456789ab')), profile).toBe(profile);
      if (!/@[0-9a-f]+$/.test(profile)) expect(profileOfRoleSessionKey(secretKeys.roleSession(profile)), profile).toBe(profile);
    }
  });

  it('is undefined for every other kind of entry, and a scope is lowercase hex of at most 64 digits', () => {
    for (const key of [secretKeys.source('prod-admin'), secretKeys.mfaSession('0123'), secretKeys.rotation('identity'), 'role-session:', 'role-session']) {
      expect(profileOfRoleSessionKey(key), key).toBeUndefined();
    }
    expect(profileOfRoleSessionKey('role-session:prod-admin@ABCDEF')).toBe('prod-admin@ABCDEF');
    expect(profileOfRoleSessionKey(`role-session:prod-admin@${'a'.repeat(65)}`)).toBe(`prod-admin@${'a'.repeat(65)}`);
  });
});
