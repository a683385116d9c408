import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { mfaCodesOnce } from '../../src/app/mfa-codes.js';
import { quietLogger } from '../../src/core/logger.js';
import { applyRequest, getCredentials, type GetCredentialsDeps } from '../../src/app/get-credentials.js';
import { sessionRules, unsafeMinDurationSeconds } from '../../src/app/session-rules.js';
import { clearSessions } from '../../src/app/clear-sessions.js';
import type { ProfileMap, ProfilePlan } from '../../src/core/profile-map/types.js';
import { xacctPaths, type Env } from '../../src/core/paths.js';
import { FakeAudit, FakeAwsProfiles, FakeMfa, fakeMachinePorts, LONG_TERM, ALICE_MFA_KEY, profilePlan, sourcePlan } from './providers-fakes.js';

function world(extra: { defaultProfile?: string; profiles?: ProfilePlan[] } = {}) {
  const { clock, store, lock, sts } = fakeMachinePorts();
  const audit = new FakeAudit();
  const warnings: string[] = [];
  const mfaTokens: (string | undefined)[] = [];
  const mfaSources: { token: string | undefined; source: FakeMfa }[] = [];
  const terminal = { present: true };
  const profiles = extra.profiles ?? [
    profilePlan('prod-admin', { sourceIdentity: 'alice', tags: { ticket: 'OPS-42' } }),
    profilePlan('staging-readonly', { region: 'us-east-1' }),
  ];
  const map: ProfileMap = {
    files: [],
    sources: new Map([['identity', sourcePlan()]]),
    profiles: new Map(profiles.map((p) => [p.name, p])),
    ...(extra.defaultProfile ? { defaultProfile: extra.defaultProfile } : {}),
  };
  const env: Env = { HOME: '/home/alice', USER: 'alice' };
  const deps: Partial<GetCredentialsDeps> = {
    loadProfileMap: async () => map,
    pickProfile: async () => undefined,
      createContext: (e, m, options): AppContext => {
      mfaTokens.push(options.mfaToken);
      return {
        env: e,
        map: m,
        paths: xacctPaths(e),
        clock,
        store,
        lock,
        sts,
        iam: () => {
          throw new Error('getCredentials calls no IAM');
        },
        // The real once-only rule of --mfa-token over fake code sources: the token's, then the terminal's.
        mfa: mfaCodesOnce(options.mfaToken, {
          open: async (token) => {
            const source = new FakeMfa(token ? [token] : ['123456'], !token);
            mfaSources.push({ token, source });
            return source;
          },
          terminalPresent: async () => terminal.present,
        }),
        awsProfiles: new FakeAwsProfiles(),
        audit,
        userName: 'alice',
        log: quietLogger,
        warn: (m) => void warnings.push(m),
      };
    },
  };
  return { clock, store, sts, audit, warnings, mfaTokens, mfaSources, terminal, env, deps, map };
}

describe('getCredentials', () => {
  it('returns the role session, its plan and region, and audits it once', async () => {
    const w = world();
    const got = await getCredentials(w.env, { profile: 'prod-admin', mfaToken: '123456', cache: true }, w.deps);
    expect(got.plan.name).toBe('prod-admin');
    expect(got.region).toBe('eu-west-1');
    expect(got.credentials.sessionToken).toMatch(/^token-ROLE/);
    expect(w.mfaTokens).toEqual(['123456']);
    expect(w.audit.entries).toEqual([
      {
        time: '2030-01-01T00:00:00.000Z',
        profile: 'prod-admin',
        roleArn: 'arn:aws:iam::222222222222:role/admin',
        sessionName: 'alice',
        sourceIdentity: 'alice',
        expiration: '2030-01-01T01:00:00.000Z',
      },
    ]);
    const line = JSON.stringify(w.audit.entries);
    for (const secret of [got.credentials.secretAccessKey, got.credentials.sessionToken!, LONG_TERM.SecretAccessKey]) {
      expect(line).not.toContain(secret);
    }

    const again = await getCredentials(w.env, { profile: 'prod-admin', cache: true }, w.deps);
    expect(again.credentials).toEqual(got.credentials);
    expect(w.audit.entries).toHaveLength(1);
  });

  it('the provider it returns can be retrieved again, and renews near expiry', async () => {
    const w = world();
    const got = await getCredentials(w.env, { profile: 'prod-admin', cache: true }, w.deps);
    expect(await got.provider.retrieve()).toEqual(got.credentials);
    w.clock.advance(3600 - 299);
    const renewed = await got.provider.retrieve();
    expect(renewed.accessKeyId).not.toBe(got.credentials.accessKeyId);
    expect(w.sts.assumeRoleCalls).toHaveLength(2);
    expect(w.sts.getSessionTokenCalls).toHaveLength(1);
    expect(w.audit.entries).toHaveLength(2);
  });

  it('applies --duration and --region', async () => {
    const w = world();
    const got = await getCredentials(w.env, { profile: 'staging-readonly', duration: '30m', region: 'ap-south-1', cache: true }, w.deps);
    expect(w.sts.assumeRoleCalls[0]!.input.durationSeconds).toBe(1800);
    expect(got.region).toBe('ap-south-1');
    expect(got.plan.durationSeconds).toBe(1800);
  });

  it('--duration longer than 1h takes the role session with the MFA code, no MFA session', async () => {
    const w = world();
    await getCredentials(w.env, { profile: 'prod-admin', duration: '4h', cache: true }, w.deps);
    expect(w.sts.getSessionTokenCalls).toHaveLength(0);
    expect(w.sts.assumeRoleCalls[0]!.input).toMatchObject({ durationSeconds: 14400, tokenCode: '123456' });
  });

  it('refuses a --duration out of the role range as a usage error', async () => {
    const w = world();
    await expect(getCredentials(w.env, { profile: 'prod-admin', duration: '13h', cache: true }, w.deps)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--duration/),
    });
    await expect(getCredentials(w.env, { profile: 'prod-admin', duration: '10m', cache: true }, w.deps)).rejects.toMatchObject({
      exitCode: 2,
    });
  });

  it('uses default_profile without a name, and fails with a usage error without either', async () => {
    const w = world({ defaultProfile: 'staging-readonly' });
    expect((await getCredentials(w.env, { cache: true }, w.deps)).plan.name).toBe('staging-readonly');
    const none = world();
    await expect(getCredentials(none.env, { cache: true }, none.deps)).rejects.toMatchObject({ exitCode: 2 });
  });

  it('without a name or default_profile, asks the picker', async () => {
    const w = world();
    const got = await getCredentials(w.env, { cache: true, askForProfile: true }, { ...w.deps, pickProfile: async () => 'staging-readonly' });
    expect(got.plan.name).toBe('staging-readonly');
    // credential-process does not ask: a tool runs it.
    await expect(getCredentials(w.env, { cache: true }, { ...w.deps, pickProfile: async () => 'staging-readonly' })).rejects.toMatchObject({
      exitCode: 2,
      hint: 'profiles: prod-admin, staging-readonly',
    });
  });

  it('--mfa-token serves the first code only: a renewal asks the terminal, and without one fails saying why', async () => {
    const w = world();
    const got = await getCredentials(w.env, { profile: 'prod-admin', mfaToken: '123456', cache: true }, w.deps);
    expect(w.sts.getSessionTokenCalls.map((c) => c.input.tokenCode)).toEqual(['123456']);
    w.clock.advance(12 * 3600); // MFA session and role session both expired: a new code is needed
    await got.provider.retrieve();
    expect(w.mfaSources.map((m) => [m.token, m.source.requests.length])).toEqual([['123456', 1], [undefined, 1]]);

    w.terminal.present = false;
    w.clock.advance(12 * 3600);
    const err = (await got.provider.retrieve().catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/the code given with --mfa-token was used already, and there is no terminal/);
    expect(w.sts.getSessionTokenCalls).toHaveLength(2);
  });

  it('a wrong --mfa-token is refused once, exit 1, with a clear message', async () => {
    const w = world();
    const err = await getCredentials(w.env, { profile: 'prod-admin', mfaToken: '000000', cache: true }, w.deps).catch((e) => e);
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe("AWS refused the MFA code for source 'identity'");
    expect(w.sts.getSessionTokenCalls).toHaveLength(1);
    expect(w.store.data.has(ALICE_MFA_KEY)).toBe(false);
  });

  it('--no-cache writes nothing', async () => {
    const w = world();
    await getCredentials(w.env, { profile: 'prod-admin', cache: false }, w.deps);
    expect([...w.store.data.keys()]).toEqual(['source:identity']);
    expect(w.audit.entries).toHaveLength(1);
  });

  it('a new role session is announced (audit, on_assume) once its cache lock is released', async () => {
    const w = world();
    const held = new Set<string>();
    const heldWhenAnnounced: string[][] = [];
    w.audit.record = async () => void heldWhenAnnounced.push([...held]);
    const deps: Partial<GetCredentialsDeps> = {
      ...w.deps,
      createContext: (e, m, o) => {
        const c = w.deps.createContext!(e, m, o);
        return {
          ...c,
          lock: {
            withLock: (key, fn) =>
              c.lock.withLock(key, async () => {
                held.add(key);
                try {
                  return await fn();
                } finally {
                  held.delete(key);
                }
              }),
          },
        };
      },
    };
    await getCredentials(w.env, { profile: 'prod-admin', cache: true }, deps);
    expect(heldWhenAnnounced).toEqual([[]]);
  });

  it('a failing audit log warns and still returns the session', async () => {
    const w = world();
    w.audit.record = async () => {
      throw new Error('EACCES');
    };
    const got = await getCredentials(w.env, { profile: 'prod-admin', cache: true }, w.deps);
    expect(got.credentials.sessionToken).toMatch(/^token-ROLE/);
    expect(w.sts.assumeRoleCalls).toHaveLength(1);
    expect(w.warnings).toEqual([expect.stringContaining('audit log')]);
  });
});

describe('XACCT_UNSAFE_MIN_DURATION_SECONDS (tests only)', () => {
  it('is an integer 1..900; anything else is ignored', () => {
    const read = (v: string | undefined) => unsafeMinDurationSeconds({ XACCT_UNSAFE_MIN_DURATION_SECONDS: v });
    expect([read('60'), read('1'), read('900'), read(' 20 ')]).toEqual([60, 1, 900, 20]);
    expect([read(undefined), read(''), read('0'), read('901'), read('1e2'), read('-5'), read('60s'), read('12.5')]).toEqual(Array(8).fill(undefined));
  });

  it('lowers the floor of --duration, and only then the reuse margin of the role session', () => {
    const plan = profilePlan('prod-admin');
    expect(() => applyRequest(plan, { duration: '60' })).toThrow(/--duration 60 is out of range/);
    expect(applyRequest(plan, { duration: '60' }, 60).durationSeconds).toBe(60);
    expect(() => applyRequest(plan, { duration: '59' }, 60)).toThrow(/out of range/);
    const short = sessionRules({ XACCT_UNSAFE_MIN_DURATION_SECONDS: '60' });
    const spec = sessionRules({});
    expect([short.minRoleDurationSeconds, spec.minRoleDurationSeconds]).toEqual([60, 900]);
    expect([short.roleReuseMarginSeconds(60), short.roleReuseMarginSeconds(3600), spec.roleReuseMarginSeconds(60), spec.roleReuseMarginSeconds(3600)]).toEqual([15, 300, 300, 300]);
  });

  it('a 60 s session is reused for 45 s, then renewed', async () => {
    const w = world();
    const env = { ...w.env, XACCT_UNSAFE_MIN_DURATION_SECONDS: '60' };
    const got = await getCredentials(env, { profile: 'prod-admin', duration: '60', cache: true }, w.deps);
    expect(w.sts.assumeRoleCalls[0]!.input.durationSeconds).toBe(60);
    w.clock.advance(44);
    expect(await got.provider.retrieve()).toEqual(got.credentials);
    w.clock.advance(2);
    expect((await got.provider.retrieve()).accessKeyId).not.toBe(got.credentials.accessKeyId);
    expect(w.sts.assumeRoleCalls).toHaveLength(2);
  });
});

describe('clearSessions', () => {
  async function warmed() {
    const w = world();
    await getCredentials(w.env, { profile: 'prod-admin', cache: true }, w.deps);
    await getCredentials(w.env, { profile: 'staging-readonly', cache: true }, w.deps);
    const clearDeps = { loadProfileMap: w.deps.loadProfileMap!, createContext: (e: Env, m: ProfileMap) => w.deps.createContext!(e, m, {}) };
    return { ...w, clearDeps };
  }

  it('deletes every cached session and keeps the stored keys', async () => {
    const w = await warmed();
    const { keys } = await clearSessions(w.env, {}, w.clearDeps);
    expect(keys).toEqual([ALICE_MFA_KEY, 'role-session:prod-admin', 'role-session:staging-readonly']);
    expect([...w.store.data.keys()]).toEqual(['source:identity']);
  });

  it("with a profile, deletes only that profile's role session", async () => {
    const w = await warmed();
    expect((await clearSessions(w.env, { profile: 'prod-admin' }, w.clearDeps)).keys).toEqual(['role-session:prod-admin']);
    expect([...w.store.data.keys()].sort()).toEqual([ALICE_MFA_KEY, 'role-session:staging-readonly', 'source:identity']);
    expect((await clearSessions(w.env, { profile: 'prod-admin' }, w.clearDeps)).keys).toEqual([]);
  });

  it('an unknown profile with nothing cached is a usage error', async () => {
    const w = await warmed();
    await expect(clearSessions(w.env, { profile: 'prod-admn' }, w.clearDeps)).rejects.toMatchObject({ exitCode: 2 });
  });
});
