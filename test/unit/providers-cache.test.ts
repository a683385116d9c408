import { describe, expect, it } from 'vitest';
import type { AwsCredentials } from '../../src/core/credentials.js';
import { provider } from '../../src/core/credentials.js';
import cacheEntry from '../../src/core/cache-entry.cjs';
import { cached, type CacheOptions } from '../../src/core/providers/index.js';
import { FakeClock, FakeLocks, FakeStore } from './providers-fakes.js';

const { decodeCacheEntry, encodeCacheEntry } = cacheEntry;

function setup(overrides: Partial<CacheOptions> = {}) {
  const clock = new FakeClock();
  const store = new FakeStore();
  const lock = new FakeLocks();
  let calls = 0;
  const inner = provider(async (): Promise<AwsCredentials> => {
    calls++;
    await new Promise((r) => setTimeout(r, 5));
    return {
      accessKeyId: `ASIA${calls}`,
      secretAccessKey: `secret${calls}`,
      sessionToken: `token${calls}`,
      expiration: new Date(clock.now().getTime() + 3600_000),
    };
  });
  const options: CacheOptions = { key: 'role-session:prod-admin', fingerprint: 'fp1', store, lock, clock, enabled: true, ...overrides };
  return { clock, store, lock, options, inner, calls: () => calls, provider: cached(inner, options) };
}

describe('cached', () => {
  it('writes a version-1 entry and reuses it', async () => {
    const t = setup();
    const first = await t.provider.retrieve();
    const second = await t.provider.retrieve();
    expect(second).toEqual(first);
    expect(t.calls()).toBe(1);
    const raw = JSON.parse(t.store.data.get('role-session:prod-admin')!);
    expect(raw).toEqual({
      v: 1,
      fingerprint: 'fp1',
      credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 'secret1', SessionToken: 'token1', Expiration: '2030-01-01T01:00:00.000Z' },
    });
  });

  it('reuses a session while more than 5 minutes remain, and only then', async () => {
    const t = setup();
    await t.provider.retrieve();
    t.clock.advance(3600 - 301);
    expect((await t.provider.retrieve()).accessKeyId).toBe('ASIA1');
    t.clock.advance(1);
    expect((await t.provider.retrieve()).accessKeyId).toBe('ASIA2');
    expect(t.calls()).toBe(2);
  });

  it('does not reuse a session of another fingerprint, and replaces it', async () => {
    const t = setup();
    await t.provider.retrieve();
    const changed = cached(t.inner, { ...t.options, fingerprint: async () => 'fp2' });
    expect((await changed.retrieve()).accessKeyId).toBe('ASIA2');
    expect(decodeCacheEntry(t.store.data.get('role-session:prod-admin'))?.fingerprint).toBe('fp2');
  });

  it.each([
    ['not JSON', '{"v":1,'],
    ['another version', JSON.stringify({ v: 2, fingerprint: 'fp1', credentials: {} })],
    ['no credentials', JSON.stringify({ v: 1, fingerprint: 'fp1' })],
    ['no expiration', JSON.stringify({ v: 1, fingerprint: 'fp1', credentials: { AccessKeyId: 'A', SecretAccessKey: 'S' } })],
    ['a bad date', JSON.stringify({ v: 1, fingerprint: 'fp1', credentials: { AccessKeyId: 'A', SecretAccessKey: 'S', Expiration: 'soon' } })],
    ['null', 'null'],
    ['an array', '[]'],
  ])('treats an entry with %s as a miss and overwrites it', async (_what, text) => {
    const t = setup();
    t.store.data.set('role-session:prod-admin', text);
    expect((await t.provider.retrieve()).accessKeyId).toBe('ASIA1');
    expect(decodeCacheEntry(t.store.data.get('role-session:prod-admin'))?.credentials.accessKeyId).toBe('ASIA1');
  });

  it('neither reads nor writes when disabled (--no-cache)', async () => {
    const t = setup({ enabled: false });
    t.store.data.set(
      'role-session:prod-admin',
      encodeCacheEntry({
        fingerprint: 'fp1',
        credentials: { accessKeyId: 'CACHED', secretAccessKey: 's', expiration: new Date('2031-01-01T00:00:00Z') },
      }),
    );
    expect((await t.provider.retrieve()).accessKeyId).toBe('ASIA1');
    expect((await t.provider.retrieve()).accessKeyId).toBe('ASIA2');
    expect(t.store.gets).toBe(0);
    expect(t.store.sets).toBe(0);
    expect(t.lock.taken).toEqual([]);
  });

  it('the re-read under the lock sees the session written meanwhile: two callers, one call', async () => {
    const t = setup();
    // Separate decorators stand for separate processes: they share only the store and the lock. (Many real processes
    // at once: test/integration/parallel.test.ts.)
    const processes = Array.from({ length: 2 }, () => cached(t.inner, t.options));
    const results = await Promise.all(processes.map((p) => p.retrieve()));
    expect(t.calls()).toBe(1);
    expect(new Set(results.map((r) => r.accessKeyId))).toEqual(new Set(['ASIA1']));
  });

  it('computes a lazy fingerprint only when an entry is there or a session is written', async () => {
    let computed = 0;
    const t = setup({ fingerprint: async () => (computed++, 'fp1') });
    await t.provider.retrieve();
    expect(computed).toBe(1);
    await t.provider.retrieve();
    expect(computed).toBe(2);
  });

  it('returns the new session when it cannot be written, and says so', async () => {
    const warnings: unknown[] = [];
    const t = setup({ onWriteError: (e) => warnings.push(e) });
    t.store.set = async () => {
      throw new Error('keychain is locked');
    };
    expect((await t.provider.retrieve()).accessKeyId).toBe('ASIA1');
    expect(warnings).toHaveLength(1);
  });
});
