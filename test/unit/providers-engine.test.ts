import { describe, expect, it } from 'vitest';
import cacheEntry from '../../src/core/cache-entry.cjs';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';
import { createCredentialEngine, type EngineDeps } from '../../src/core/providers/index.js';
import { ALICE_MFA_KEY, FakeAwsProfiles, FakeMfa, LONG_TERM, fakeMachinePorts, profilePlan, sourcePlan } from './providers-fakes.js';

const { decodeCacheEntry } = cacheEntry;

/** One "machine": a keychain, locks and STS shared by the engines ("processes") started on it. */
function machine() {
  const { clock, store, lock, sts } = fakeMachinePorts();
  const issued: { profile: string; sessionName: string; duration: number }[] = [];
  const mfas: FakeMfa[] = [];
  const process = (overrides: Partial<EngineDeps> = {}) => {
    const mfa = (overrides.mfa as FakeMfa | undefined) ?? new FakeMfa();
    mfas.push(mfa);
    return createCredentialEngine({
      store,
      lock,
      sts,
      mfa,
      awsProfiles: new FakeAwsProfiles(),
      keying: {},
      clock,
      userName: 'alice',
      cache: true,
      onRoleSession: (plan, sessionName) => void issued.push({ profile: plan.name, sessionName, duration: plan.durationSeconds }),
      ...overrides,
    });
  };
  const codesAsked = () => mfas.reduce((n, m) => n + m.requests.length, 0);
  return { clock, store, lock, sts, issued, process, codesAsked };
}

const prodAdmin = profilePlan('prod-admin');
const stagingReadonly = profilePlan('staging-readonly');

describe('credential engine', () => {
  it('first call: GetSessionToken then AssumeRole from the MFA session; second call: nothing', async () => {
    const m = machine();
    const creds = await m.process().profile(prodAdmin).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
    expect(m.sts.assumeRoleCalls).toHaveLength(1);
    expect(m.sts.assumeRoleCalls[0]!.creds.accessKeyId).toMatch(/^ASIAMFA/);
    expect(m.sts.getSessionTokenCalls[0]!.creds.accessKeyId).toBe('AKIAALICE');
    expect(m.issued).toEqual([{ profile: 'prod-admin', sessionName: 'alice', duration: 3600 }]);

    const again = await m.process().profile(prodAdmin).retrieve();
    expect(again).toEqual(creds);
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
    expect(m.sts.assumeRoleCalls).toHaveLength(1);
    expect(m.codesAsked()).toBe(1);
    expect(m.issued).toHaveLength(1);
  });

  it('reads the source\'s stored keys once for a new MFA session, its key identity and the keys themselves', async () => {
    const m = machine();
    const engine = m.process();
    await engine.profile(prodAdmin).retrieve();
    expect(m.sts.getSessionTokenCalls[0]!.creds.accessKeyId).toBe('AKIAALICE');
    expect(await engine.keyIdentity(prodAdmin.source)).toBe('key:AKIAALICE');
    expect(m.store.reads.filter((k) => k === 'source:identity')).toHaveLength(1);
    // Only that first read is shared: asking for the keys again reads the store (new keys stored meanwhile, say).
    await engine.longTerm(prodAdmin.source).retrieve({ forceRefresh: true });
    expect(m.store.reads.filter((k) => k === 'source:identity')).toHaveLength(2);
  });

  it('the read shared with the key identity is not served long after it: keys stored since (a rotation) are used', async () => {
    const m = machine();
    await m.process().profile(prodAdmin).retrieve();
    // A long-running process (exec's credential server): its first retrieval is served from the cache, so only the
    // key identity read the stored keys.
    const engine = m.process();
    await engine.profile(prodAdmin).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
    m.store.data.set('source:identity', JSON.stringify({ ...LONG_TERM, AccessKeyId: 'AKIAROTATED' }));
    m.clock.advance(13 * 3600);
    await engine.profile(prodAdmin).retrieve();
    expect(m.sts.getSessionTokenCalls.map((c) => c.creds.accessKeyId)).toEqual(['AKIAALICE', 'AKIAROTATED']);
  });

  it('a second profile only assumes its role, from the cached MFA session', async () => {
    const m = machine();
    await m.process().profile(prodAdmin).retrieve();
    await m.process().profile(stagingReadonly).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
    expect(m.sts.assumeRoleCalls.map((c) => c.input.roleArn)).toEqual([prodAdmin.roleArn, stagingReadonly.roleArn]);
    expect(m.codesAsked()).toBe(1);
  });

  it('after the sessions are cleared, asks for an MFA code again', async () => {
    const m = machine();
    await m.process().profile(prodAdmin).retrieve();
    for (const key of await m.store.list()) if (key !== 'source:identity') await m.store.delete(key);
    await m.process().profile(prodAdmin).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(2);
    expect(m.codesAsked()).toBe(2);
  });

  it('takes a new MFA session when the cached one has 5 minutes or less left', async () => {
    const m = machine();
    await m.process().profile(prodAdmin).retrieve();
    m.clock.advance(12 * 3600 - 300);
    await m.process().profile(stagingReadonly).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(2);
  });

  it('a role session longer than 1 hour is assumed with the MFA code directly, without GetSessionToken', async () => {
    const m = machine();
    const long = profilePlan('prod-admin', { durationSeconds: 4 * 3600 });
    await m.process().profile(long).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(0);
    expect(m.sts.assumeRoleCalls).toHaveLength(1);
    expect(m.sts.assumeRoleCalls[0]).toMatchObject({
      creds: { accessKeyId: 'AKIAALICE' },
      input: { durationSeconds: 14400, serialNumber: long.source.mfaSerial, tokenCode: '123456' },
    });
    expect(m.store.data.has(ALICE_MFA_KEY)).toBe(false);
    expect(m.store.data.has('role-session:prod-admin')).toBe(true);
  });

  it('a source without MFA assumes the role from the long-term keys', async () => {
    const m = machine();
    const plan = profilePlan('prod-admin', { source: sourcePlan({ mfaSerial: undefined }), durationSeconds: 4 * 3600 });
    await m.process().profile(plan).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(0);
    expect(m.sts.assumeRoleCalls[0]).toMatchObject({ creds: { accessKeyId: 'AKIAALICE' }, input: { durationSeconds: 14400 } });
    expect(m.sts.assumeRoleCalls[0]!.input.serialNumber).toBeUndefined();
    expect(m.codesAsked()).toBe(0);
  });

  it('chains roles: the parent role session is the inner of the child, capped at 1 hour, both cached', async () => {
    const m = machine();
    const parent = profilePlan('prod-admin');
    const child: ProfilePlan = {
      ...profilePlan('vendor-audit', { roleArn: 'arn:aws:iam::444444444444:role/Auditor', durationSeconds: 2 * 3600 }),
      parent,
    };
    await m.process().profile(child).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
    expect(m.sts.assumeRoleCalls.map((c) => [c.input.roleArn, c.creds.accessKeyId.replace(/\d+$/, ''), c.input.durationSeconds])).toEqual([
      [parent.roleArn, 'ASIAMFA', 3600],
      [child.roleArn, 'ASIAROLE', 3600],
    ]);
    expect(m.issued.map((i) => i.profile)).toEqual(['prod-admin', 'vendor-audit']);
    expect([...m.store.data.keys()].sort()).toEqual([
      ALICE_MFA_KEY,
      'role-session:prod-admin',
      'role-session:vendor-audit',
      'source:identity',
    ]);
    await m.process().profile(child).retrieve();
    expect(m.sts.assumeRoleCalls).toHaveLength(2);
  });

  it('does not reuse a role session after the profile map changed it', async () => {
    const m = machine();
    await m.process().profile(prodAdmin).retrieve();
    await m.process().profile({ ...prodAdmin, externalId: 'new-id' }).retrieve();
    await m.process().profile({ ...prodAdmin, externalId: 'new-id' }).retrieve();
    expect(m.sts.assumeRoleCalls).toHaveLength(2);
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
  });

  it('does not reuse an MFA session taken with other long-term keys', async () => {
    const m = machine();
    await m.process().profile(prodAdmin).retrieve();
    m.store.data.set('source:identity', JSON.stringify({ AccessKeyId: 'AKIANEW', SecretAccessKey: 'x' }));
    await m.process().profile(stagingReadonly).retrieve();
    expect(m.sts.getSessionTokenCalls.map((c) => c.creds.accessKeyId)).toEqual(['AKIAALICE', 'AKIANEW']);
  });

  it('--no-cache: a new MFA session and role session every time, nothing written', async () => {
    const m = machine();
    await m.process({ cache: false }).profile(prodAdmin).retrieve();
    await m.process({ cache: false }).profile(prodAdmin).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(2);
    expect(m.sts.assumeRoleCalls).toHaveLength(2);
    expect([...m.store.data.keys()]).toEqual(['source:identity']);
  });

  it('a refused code is asked again, and the MFA session taken with the good one is cached', async () => {
    const m = machine();
    const mfa = new FakeMfa(['000000', '123456']);
    await m.process({ mfa }).profile(prodAdmin).retrieve();
    expect(mfa.requests.map((r) => r.attempt)).toEqual([1, 2]);
    expect(decodeCacheEntry(m.store.data.get(ALICE_MFA_KEY))).not.toBeNull();
  });

  it('two profiles in parallel share one MFA session', async () => {
    const m = machine();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => m.process().profile(i % 2 ? prodAdmin : stagingReadonly).retrieve()),
    );
    expect(m.codesAsked()).toBe(1);
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
    expect(m.sts.assumeRoleCalls).toHaveLength(2);
    expect(new Set(results.map((r) => r.accessKeyId)).size).toBe(2);
  });

  it('one process asking for two profiles shares the source and the MFA session', async () => {
    const m = machine();
    const engine = m.process();
    await Promise.all([engine.profile(prodAdmin).retrieve(), engine.profile(stagingReadonly).retrieve()]);
    expect(m.codesAsked()).toBe(1);
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
  });

  it('uses the explicit role session name, else the sanitised user name', async () => {
    const m = machine();
    await m.process({ userName: 'Jöhn Doe' }).profile(prodAdmin).retrieve();
    await m.process().profile(profilePlan('staging-readonly', { roleSessionName: 'ci-bot' })).retrieve();
    expect(m.sts.assumeRoleCalls.map((c) => c.input.roleSessionName)).toEqual(['John-Doe', 'ci-bot']);
  });
});

describe('a stale cached session (revoked, or expired early)', () => {
  it('is dropped and taken anew once: one more GetSessionToken (and code), then the AssumeRole succeeds', async () => {
    const m = machine();
    await m.process().profile(prodAdmin).retrieve();
    const mfaKey = m.sts.assumeRoleCalls[0]!.creds.accessKeyId;
    m.sts.revoked.add(mfaKey);
    await m.process().profile(stagingReadonly).retrieve();
    expect(m.sts.getSessionTokenCalls).toHaveLength(2);
    expect(m.sts.assumeRoleCalls.map((c) => c.creds.accessKeyId)).toEqual([mfaKey, mfaKey, expect.not.stringMatching(mfaKey)]);
    expect(decodeCacheEntry(m.store.data.get(ALICE_MFA_KEY))!.credentials.accessKeyId).not.toBe(mfaKey);
    expect(m.codesAsked()).toBe(2);
  });

  it('is retried only once: a session refused again is the error', async () => {
    const m = machine();
    const p = m.process();
    await p.profile(prodAdmin).retrieve();
    const original = m.sts.assumeRoleCalls[0]!.creds.accessKeyId;
    m.sts.revoked.add(original);
    m.sts.revoked.add('ASIAMFA3'); // the next MFA session FakeSts issues (role session 2 is ASIAROLE2)
    const err = await m.process().profile(stagingReadonly).retrieve().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StaleSession', code: 'ExpiredToken' });
    expect(m.sts.getSessionTokenCalls).toHaveLength(2);
    expect(m.sts.assumeRoleCalls).toHaveLength(3);
  });

  it('long-term keys refused are not a stale session: no retry', async () => {
    const m = machine();
    m.sts.revoked.add('AKIAALICE');
    const err = await m.process().profile(prodAdmin).retrieve().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AwsError', code: 'ExpiredToken' });
    expect(m.sts.getSessionTokenCalls).toHaveLength(1);
  });
});

describe('the debug log', () => {
  it('explains the cache decision, which input changed, and why no GetSessionToken; never a secret', async () => {
    const m = machine();
    const lines: string[] = [];
    const log = { debug: (line: string) => void lines.push(line) };
    const noMfa = profilePlan('prod-admin', { source: sourcePlan({ mfaSerial: undefined }) });
    await m.process({ log }).profile(noMfa).retrieve();
    await m.process({ log }).profile(noMfa).retrieve();
    await m.process({ log }).profile({ ...noMfa, durationSeconds: 1800 }).retrieve();
    const text = lines.join('\n');
    expect(text).toContain('source identity: long-term credentials from stored-keys, key AKIA…LICE');
    expect(text).toMatch(/role-session:prod-admin: none cached \(or unreadable\); waiting for the lock/);
    expect(text).toContain('no mfa_serial, so no GetSessionToken');
    expect(text).toMatch(/role-session:prod-admin: cached session ASIA…OLE1 used, \d+ min left/);
    expect(text).toMatch(/role-session:prod-admin: the cached session was made for other settings or keys: durationSeconds changed/);
    for (const secret of ['alice-secret', 'secret-ROLE', 'token-ROLE']) expect(text).not.toContain(secret);
  });
});
