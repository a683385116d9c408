/**
 * Many processes at once on a cold cache (Terraform starts credential_process for every provider in parallel):
 * the built CLI against a private GNOME Keyring and moto behind the counting STS proxy. The locks on
 * `role-session:<profile>` and `mfa-session:<source>`, with the cache read again once a lock is taken, must give
 * one MFA code, one STS call per session, and the same credentials to everyone.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireEnv, runCli, setupIdentity, startEnv, VALID_MFA_CODE, type RunResult, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };
const PROCESSES = 16;

describe.skipIf(!requireEnv(opts, 'parallel credential-process'))('parallel credential-process on a cold cache', () => {
  let t: TestEnv;

  beforeAll(async () => {
    t = await startEnv(opts);
    await setupIdentity(t);
    // As AWS does: a code serves once, so a second GetSessionToken or AssumeRole with it would be refused.
    t.sts.singleUseCodes = true;
  });
  afterAll(() => t?.stop());

  beforeEach(async () => {
    expect((await runCli(['clear'], { env: t.env })).code).toBe(0);
    t.sts.reset();
  });

  async function startTogether(profiles: string[]): Promise<{ results: RunResult[]; wallMs: number }> {
    const started = Date.now();
    const results = await Promise.all(
      profiles.map((profile) => runCli(['credential-process', profile, '--mfa-token', VALID_MFA_CODE], { env: t.env, timeoutMs: 60_000 })),
    );
    return { results, wallMs: Date.now() - started };
  }

  function expectAllSucceeded(results: RunResult[]) {
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^\{"Version":1,"AccessKeyId":"ASIA\w+",.*"Expiration":"[^"]+Z"\}\n$/);
    }
  }

  it(`${PROCESSES} processes for one profile: one GetSessionToken, one AssumeRole, the same output`, async () => {
    const { results, wallMs } = await startTogether(Array(PROCESSES).fill('prod-admin'));
    expectAllSucceeded(results);
    expect(t.sts.count('GetSessionToken')).toBe(1);
    expect(t.sts.count('AssumeRole')).toBe(1);
    expect(t.sts.calls.every((c) => c.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
    console.info(
      `parallel: ${PROCESSES} cold credential-process calls took ${wallMs} ms in all ` +
        `(slowest ${Math.max(...results.map((r) => r.durationMs))} ms); STS saw ` +
        `${t.sts.count('GetSessionToken')} GetSessionToken and ${t.sts.count('AssumeRole')} AssumeRole`,
    );
  });

  it('two profiles at once share one MFA session: one GetSessionToken, one AssumeRole each', async () => {
    const profiles = Array.from({ length: PROCESSES }, (_, i) => (i % 2 ? 'prod-admin' : 'staging-admin'));
    const { results, wallMs } = await startTogether(profiles);
    expectAllSucceeded(results);
    expect(t.sts.count('GetSessionToken')).toBe(1);
    const assumed = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(assumed.map((c) => c.roleArn).sort()).toEqual([
      'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole',
      'arn:aws:iam::333333333333:role/OrganizationAccountAccessRole',
    ]);
    expect(assumed.every((c) => c.signedWith === 'mfa-session' && c.status === 200)).toBe(true);
    const outputs = (profile: string) => new Set(results.filter((_, i) => profiles[i] === profile).map((r) => r.stdout));
    expect(outputs('prod-admin').size).toBe(1);
    expect(outputs('staging-admin').size).toBe(1);
    expect([...outputs('prod-admin')][0]).not.toBe([...outputs('staging-admin')][0]);
    console.info(`parallel: ${PROCESSES} cold calls over 2 profiles took ${wallMs} ms in all`);
  });
});
