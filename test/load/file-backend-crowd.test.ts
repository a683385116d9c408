/**
 * The file keychain backend in a crowd: 32 credential_process calls at once over 4 profiles of one source, through
 * the built CLI with XACCT_BACKEND=file, the passphrase from XACCT_FILE_PASSPHRASE and the MFA code from
 * `mfa_process` (no terminal anywhere), against moto behind the checking STS proxy. Every write of the file is a
 * read-modify-write of the whole file under one lock, so a lost write here would be a session missing afterwards
 * (and asked of STS again in the warm round). A cold round, then a warm one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSecretStore } from '../../src/adapters/keychain/file.js';
import { createLockManager } from '../../src/adapters/lock.js';
import { xacctPaths } from '../../src/core/paths.js';
import { addUserKeys, mfaSessionKeyOf, requireEnv, roleSessionKeyIn, runCli, startEnv, VALID_MFA_CODE, type Env, type RunResult, type TestEnv } from '../helpers/index.js';

const opts = { sts: true };
const CALLERS = 32;
const PROFILES = Array.from({ length: 4 }, (_, i) => `f${i}-admin`);
const accountOf = (i: number) => String(444444444400 + i);
const PASSPHRASE = 'crowd of one passphrase';

function fileMap(mfaSerial: string): string {
  const accounts = PROFILES.map((_, i) => `f${i} = "${accountOf(i)}"`).join('\n');
  return (
    `[sources.identity]\nregion = "eu-west-1"\nmfa_serial = "${mfaSerial}"\nmfa_process = "printf ${VALID_MFA_CODE}"\n\n` +
    `[accounts]\n${accounts}\n\n[roles]\nadmin = "OrganizationAccountAccessRole"\n`
  );
}

describe.skipIf(!requireEnv(opts, 'a crowd on the file backend'))('32 credential-process callers on the file backend', () => {
  let t: TestEnv;
  let env: Env;

  beforeAll(async () => {
    t = await startEnv(opts);
    t.home.write('.config/xacct/config.toml', fileMap(t.user.mfaSerial));
    // No D-Bus address in env (no keyring started): only the file can hold what xacct keeps.
    env = { ...t.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: PASSPHRASE };
    await addUserKeys(t, { env });
    // As AWS does: a code serves once, so a second GetSessionToken with it would be refused.
    t.sts.singleUseCodes = true;
  });
  afterAll(() => t?.stop());

  async function round(name: string): Promise<Map<string, string>> {
    t.sts.reset();
    const started = Date.now();
    const results: RunResult[] = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) => runCli(['credential-process', PROFILES[i % PROFILES.length]!], { env, timeoutMs: 60_000 })),
    );
    const failed = results.filter((r) => r.code !== 0);
    console.log(
      `file-backend crowd: ${name} round: ${failed.length}/${CALLERS} failed, ${Date.now() - started} ms in all; ` +
        `STS saw ${t.sts.count('GetSessionToken')} GetSessionToken, ${t.sts.count('AssumeRole')} AssumeRole` +
        (failed.length ? `; first failure: ${failed[0]!.stderr.split('\n')[0]}` : ''),
    );
    const outputs = new Map<string, Set<string>>();
    results.forEach((r, i) => {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const parsed = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(Object.keys(parsed).sort()).toEqual(['AccessKeyId', 'Expiration', 'SecretAccessKey', 'SessionToken', 'Version']);
      expect(parsed).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA\w+$/), SecretAccessKey: expect.any(String), SessionToken: expect.any(String) });
      expect(Date.parse(parsed.Expiration as string)).toBeGreaterThan(Date.now());
      const profile = PROFILES[i % PROFILES.length]!;
      outputs.set(profile, (outputs.get(profile) ?? new Set()).add(r.stdout));
    });
    // Every caller of a profile got the one session made for it.
    expect([...outputs.values()].map((s) => s.size)).toEqual(PROFILES.map(() => 1));
    return new Map([...outputs].map(([profile, set]) => [profile, [...set][0]!]));
  }

  it('cold then warm: no failure, one GetSessionToken and one AssumeRole per profile, every session kept in the file', { timeout: 120_000 }, async () => {
    const cold = await round('cold');
    expect(t.sts.count('GetSessionToken')).toBe(1);
    expect(
      t.sts.calls
        .filter((c) => c.action === 'AssumeRole')
        .map((c) => c.roleArn)
        .sort(),
    ).toEqual(PROFILES.map((_, i) => `arn:aws:iam::${accountOf(i)}:role/OrganizationAccountAccessRole`));
    expect(t.sts.calls.every((c) => c.status === 200)).toBe(true);

    // A session lost by a concurrent write would be asked of STS again here.
    const warm = await round('warm');
    expect(t.sts.calls).toEqual([]);
    expect(warm).toEqual(cold);

    const file = xacctPaths(env).secretsFile;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dirname(file)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // XACCT_FILE_PASSPHRASE needs no passphrase agent and starts none.
    expect(existsSync(xacctPaths(env).agentSocket)).toBe(false);
    const store = createFileSecretStore({ file, lock: createLockManager(xacctPaths(env).lockDir), passphrase: () => Promise.resolve(PASSPHRASE) });
    const entries = await store.readAll();
    expect([...entries.keys()].sort()).toEqual(
      ['source:identity', mfaSessionKeyOf(t.user.accessKeyId, t.user.mfaSerial), ...PROFILES.map((p) => roleSessionKeyIn(env, p))].sort(),
    );
    // Each role session in the file is the one its callers were given.
    for (const profile of PROFILES) {
      const given = JSON.parse(cold.get(profile)!) as { AccessKeyId: string; SessionToken: string };
      const kept = entries.get(roleSessionKeyIn(env, profile))!;
      expect(kept).toContain(given.AccessKeyId);
      expect(kept).toContain(given.SessionToken);
    }
  });
});
