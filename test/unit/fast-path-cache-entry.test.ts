/**
 * The fast path's CommonJS decoder and printer (dist/fast/cache-entry.cjs) must answer exactly as the full path's
 * (src/core/cache-entry.ts, credentialProcessJson): a session one of them serves and the other does not, or prints
 * differently, would be a bug that only shows on a cache hit.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCacheEntry, encodeCacheEntry } from '../../src/core/cache-entry.js';
import { secondsLeft } from '../../src/core/credentials.js';
import { credentialProcessJson } from '../../src/cli/commands/credential-process.js';
import { codec } from './fast-path-dist.js';

const good = {
  v: 1,
  fingerprint: 'fp',
  credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'sec/ret+', SessionToken: 'tok==', Expiration: '2030-01-01T01:00:00Z' },
};
const withCredentials = (patch: Record<string, unknown>) => JSON.stringify({ ...good, credentials: { ...good.credentials, ...patch } });

/** What the full path would do with a stored entry: serve it (its JSON), refuse it, or fail on it. */
function fullPath(text: string | null | undefined): { entry: null } | { fingerprint: string; expiresMs: number; json: string | 'error' } | null {
  const entry = decodeCacheEntry(text);
  if (!entry) return null;
  let json: string;
  try {
    json = credentialProcessJson(entry.credentials);
  } catch {
    json = 'error';
  }
  return { fingerprint: entry.fingerprint, expiresMs: entry.credentials.expiration.getTime(), json };
}

function fastPath(text: string | null | undefined): ReturnType<typeof fullPath> {
  const entry = codec.decodeCacheEntry(text);
  if (!entry) return null;
  return { fingerprint: entry.fingerprint, expiresMs: entry.expiration.getTime(), json: codec.credentialProcessJson(entry) ?? 'error' };
}

const table: [string, string | null | undefined][] = [
  ['a good entry', JSON.stringify(good)],
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
  ['an empty fingerprint', JSON.stringify({ ...good, fingerprint: '' })],
  ['no credentials', JSON.stringify({ v: 1, fingerprint: 'fp' })],
  ['credentials as an array', JSON.stringify({ ...good, credentials: [good.credentials] })],
  ['no AccessKeyId', withCredentials({ AccessKeyId: undefined })],
  ['an empty AccessKeyId', withCredentials({ AccessKeyId: '' })],
  ['a numeric SecretAccessKey', withCredentials({ SecretAccessKey: 5 })],
  ['no SessionToken (long-term keys)', withCredentials({ SessionToken: undefined })],
  ['an empty SessionToken', withCredentials({ SessionToken: '' })],
  ['a null SessionToken', withCredentials({ SessionToken: null })],
  ['no Expiration', withCredentials({ Expiration: undefined })],
  ['an empty Expiration', withCredentials({ Expiration: '' })],
  ['an unparsable Expiration', withCredentials({ Expiration: 'soon' })],
  ['an Expiration with an offset', withCredentials({ Expiration: '2030-01-01T02:00:00+01:00' })],
  ['a date-only Expiration', withCredentials({ Expiration: '2030-01-01' })],
  ['extra fields', JSON.stringify({ ...good, extra: true, credentials: { ...good.credentials, Extra: 1 } })],
  ['unicode and escapes in values', withCredentials({ SecretAccessKey: 'é\u2028"\\/', SessionToken: '\u0000tok' })],
  ['the long-term keys of a source', JSON.stringify({ AccessKeyId: 'AKIAEXAMPLE', SecretAccessKey: 'secret' })],
];

describe('the fast path decodes cache entries as the full path does', () => {
  it.each(table)('%s', (_, text) => {
    expect(fastPath(text)).toEqual(fullPath(text));
  });

  it('and agrees on entries it never saw', () => {
    const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer(), fc.boolean());
    const entry = fc.record(
      {
        v: fc.oneof(fc.constant(1), value),
        fingerprint: fc.oneof(fc.constant('fp'), value),
        credentials: fc.oneof(
          fc.record(
            {
              AccessKeyId: fc.oneof(fc.string(), value),
              SecretAccessKey: fc.oneof(fc.string(), value),
              SessionToken: fc.oneof(fc.string(), value),
              Expiration: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string(), value),
            },
            { requiredKeys: [] },
          ),
          value,
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(entry, (e) => {
        const text = JSON.stringify(e);
        expect(fastPath(text)).toEqual(fullPath(text));
      }),
      { numRuns: 500 },
    );
  });

  it('prints byte for byte what `credential-process` prints, for an entry the engine wrote', () => {
    const credentials = {
      accessKeyId: 'ASIAQWERTY',
      secretAccessKey: 'a/b+c=',
      sessionToken: 'IQoJb3JpZ2luX2VjE"\\',
      expiration: new Date('2030-06-01T12:34:56.789Z'),
    };
    const stored = encodeCacheEntry({ fingerprint: 'fp', credentials });
    const fast = codec.decodeCacheEntry(stored)!;
    expect(codec.credentialProcessJson(fast)).toBe(credentialProcessJson(credentials));
    expect(codec.credentialProcessJson(fast)).toBe(
      '{"Version":1,"AccessKeyId":"ASIAQWERTY","SecretAccessKey":"a/b+c=","SessionToken":"IQoJb3JpZ2luX2VjE\\"\\\\","Expiration":"2030-06-01T12:34:56.789Z"}',
    );
  });

  it.each([0, 1, 299_999, 300_000, 300_001, 300_999, 301_000, -1, -1500])('counts seconds left as the full path does (%i ms)', (ms) => {
    const now = new Date('2030-01-01T00:00:00.000Z');
    const expiration = new Date(now.getTime() + ms);
    expect(codec.secondsLeft(expiration, now.getTime())).toBe(secondsLeft({ expiration }, now));
  });
});
