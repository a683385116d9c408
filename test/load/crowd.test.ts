/**
 * A crowd of credential_process callers on a busy machine (issue 10), as Terraform starts them: 100 calls at once
 * over 10 profiles of one source, with two busy loops occupying both cores, through the built CLI against a private
 * GNOME Keyring and moto behind the checking STS proxy. A cold round, then three warm rounds: no call may fail, STS
 * sees one GetSessionToken (the MFA session the ten roles share) and one AssumeRole per profile in the cold round,
 * and nothing in the warm ones. Each round's failures and durations are printed for the record.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv, runCli, setupIdentity, startEnv, VALID_MFA_CODE, type RunResult, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };
const CALLERS = 100;
const PROFILES = Array.from({ length: 10 }, (_, i) => `a${i}-admin`);
const accountOf = (i: number) => String(222222222200 + i);

function crowdMap(mfaSerial: string): string {
  const accounts = PROFILES.map((_, i) => `a${i} = "${accountOf(i)}"`).join('\n');
  return (
    `[sources.identity]\nregion = "eu-west-1"\nmfa_serial = "${mfaSerial}"\nmfa_process = "printf ${VALID_MFA_CODE}"\n\n` +
    `[accounts]\n${accounts}\n\n[roles]\nadmin = "OrganizationAccountAccessRole"\n`
  );
}

/** Two shell loops that keep both cores busy, as a crowd's own providers do. */
function busyLoops(): ChildProcess[] {
  return [0, 1].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
}

describe.skipIf(!requireEnv(opts, 'a crowd of credential-process callers'))('100 credential-process callers on a busy machine', () => {
  let t: TestEnv;
  let loops: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startEnv(opts);
    await setupIdentity(t, { map: crowdMap(t.user.mfaSerial) });
    // As AWS does: a code serves once, so a second GetSessionToken with it would be refused.
    t.sts.singleUseCodes = true;
  });
  afterAll(async () => {
    for (const loop of loops) loop.kill('SIGKILL');
    await t?.stop();
  });

  async function round(name: string): Promise<RunResult[]> {
    t.sts.reset();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) => runCli(['credential-process', PROFILES[i % PROFILES.length]!], { env: t.env, timeoutMs: 120_000 })),
    );
    const failed = results.filter((r) => r.code !== 0);
    const ms = results.map((r) => r.durationMs).sort((a, b) => a - b);
    console.log(
      `crowd: ${name} round: ${failed.length}/${CALLERS} failed, ${Date.now() - started} ms in all, per call median ${ms[CALLERS >> 1]} ms, ` +
        `slowest ${ms[CALLERS - 1]} ms; STS saw ${t.sts.count('GetSessionToken')} GetSessionToken, ${t.sts.count('AssumeRole')} AssumeRole` +
        (failed.length ? `; first failure: ${failed[0]!.stderr.split('\n')[0]}` : ''),
    );
    return results;
  }

  function expectServed(results: RunResult[]): Map<string, string> {
    const outputs = new Map<string, Set<string>>();
    results.forEach((r, i) => {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^\{"Version":1,"AccessKeyId":"ASIA\w+",.*"Expiration":"[^"]+Z"\}\n$/);
      const profile = PROFILES[i % PROFILES.length]!;
      outputs.set(profile, (outputs.get(profile) ?? new Set()).add(r.stdout));
    });
    // Every caller of a profile got the one session made for it.
    expect([...outputs.values()].map((s) => s.size)).toEqual(PROFILES.map(() => 1));
    return new Map([...outputs].map(([profile, set]) => [profile, [...set][0]!]));
  }

  it('a cold round and three warm rounds: no failure, one GetSessionToken and one AssumeRole per session', { timeout: 300_000 }, async () => {
    loops = busyLoops();
    const cold = expectServed(await round('cold'));
    expect(t.sts.count('GetSessionToken')).toBe(1);
    const assumed = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(assumed.map((c) => c.roleArn).sort()).toEqual(PROFILES.map((_, i) => `arn:aws:iam::${accountOf(i)}:role/OrganizationAccountAccessRole`));
    expect(t.sts.calls.every((c) => c.status === 200)).toBe(true);

    for (const name of ['warm 1', 'warm 2', 'warm 3']) {
      const warm = expectServed(await round(name));
      expect(t.sts.calls).toEqual([]);
      expect(warm).toEqual(cold);
    }
  });
});
