/**
 * `xacct credential-process <profile>` on a cache hit is served by the CommonJS fast path (dist/fast) without
 * loading the CLI: the built launcher against a private GNOME Keyring and moto behind the counting STS proxy.
 * XACCT_DEBUG=1 makes the fast path say on stderr whether it served the call, and why not (its first line); the full
 * path then explains its own decisions on the lines after it, so that first line proves which path answered.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireEnv, roleSessionKeyIn, run, runCli, setupIdentity, standardMap, startEnv, VALID_MFA_CODE, type Env, type RunResult, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };
const SERVED = 'xacct: debug: credential-process served from the cache (fast path)\n';
const HANDED = /^xacct: debug: credential-process served from the cache \(fast path\), handed over by process \d+ that refreshed it \(no keychain read\)\n$/;
const notTaken = (reason: RegExp) => new RegExp(`^xacct: debug: credential-process fast path not taken: ${reason.source}\\n(xacct: debug: .*\\n)*$`);
const JSON_LINE = /^\{"Version":1,"AccessKeyId":"ASIA\w+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"[^"]+Z"\}\n$/;


/** Reads or writes one entry of service `xacct` with the keyring library xacct uses. */
function keychain(t: TestEnv, op: 'get' | 'set', key: string, value = ''): Promise<RunResult> {
  const script = `
const { Entry } = require('@napi-rs/keyring');
const entry = new Entry('xacct', ${JSON.stringify(key)}, { linux: { store: 'secret-service' } });
${op === 'set' ? `entry.setPassword(${JSON.stringify(value)});` : 'process.stdout.write(String(entry.getPassword()));'}
`;
  return run(process.execPath, ['-e', script], { env: t.env, timeoutMs: 15_000 });
}

describe.skipIf(!requireEnv(opts, 'the credential-process fast path'))('credential-process fast path', () => {
  let t: TestEnv;
  const cli = (args: string[], extra: Env = {}) => runCli(args, { env: { ...t.env, ...extra } });
  const debug = (args: string[]) => cli(args, { XACCT_DEBUG: '1' });
  const profileMap = (adminDuration = '1h') =>
    standardMap(t.user.mfaSerial, {
      source: `mfa_process = "printf ${VALID_MFA_CODE}"`,
      roles: `admin = { name = "OrganizationAccountAccessRole", duration = "${adminDuration}" }`,
    });
  const writeMap = (adminDuration?: string) => t.home.write('.config/xacct/config.toml', profileMap(adminDuration));
  const indexFile = () => t.home.path('.cache/xacct/index.json');
  const index = () => JSON.parse(readFileSync(indexFile(), 'utf8')) as { v: number; profiles: Record<string, { key: string; expiration?: string }> };

  /** A successful call: its JSON, and the fast path's line when XACCT_DEBUG is set. */
  async function credentialProcess(profile: string, more: string[] = []): Promise<{ stdout: string; stderr: string }> {
    const r = await debug(['credential-process', profile, ...more]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(JSON_LINE);
    return { stdout: r.stdout, stderr: r.stderr };
  }

  beforeAll(async () => {
    t = await startEnv(opts);
    await setupIdentity(t, { map: profileMap() });
  });
  afterAll(() => t?.stop());

  beforeEach(async () => {
    if (await t.keyring.isLocked()) await t.keyring.unlock();
    writeMap();
    expect((await cli(['clear'])).code).toBe(0);
    t.sts.reset();
  });

  it('after one full call, the next is served by the fast path: the same JSON, no STS call, a clean stderr', async () => {
    rmSync(indexFile(), { force: true });
    const first = await credentialProcess('prod-admin');
    expect(first.stderr).toMatch(notTaken(/no readable index; this process refreshes it/));
    expect(t.sts.count('GetSessionToken')).toBe(1);
    expect(t.sts.count('AssumeRole')).toBe(1);
    expect(index().profiles['prod-admin']?.key).toBe(roleSessionKeyIn(t.env, 'prod-admin'));
    expect(index().profiles['prod-admin']?.expiration).toBe(JSON.parse(first.stdout).Expiration);
    expect(statSync(indexFile()).mode & 0o777).toBe(0o600);

    const second = await credentialProcess('prod-admin');
    expect(second).toEqual({ stdout: first.stdout, stderr: SERVED });
    const quiet = await cli(['credential-process', 'prod-admin']);
    expect(quiet).toMatchObject({ code: 0, stdout: first.stdout, stderr: '' });
    // The full path (an option sends the call there) serves the same entry byte for byte.
    const full = await debug(['credential-process', 'prod-admin', '--region', 'eu-west-1']);
    expect(full).toMatchObject({ code: 0, stdout: first.stdout });
    expect(full.stderr).toMatch(notTaken(/not exactly one profile argument/));
    expect(t.sts.calls).toHaveLength(2);
  });

  it('a profile map edited since (the role duration) goes down the full path, which assumes the role again', async () => {
    const before = await credentialProcess('prod-admin');
    writeMap('50m');
    const after = await credentialProcess('prod-admin');
    expect(after.stderr).toMatch(notTaken(/the profile map, the AWS config files or the environment changed since the index was written; this process refreshes it/));
    expect(after.stdout).not.toBe(before.stdout);
    const assumed = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(assumed.map((c) => c.durationSeconds)).toEqual([3600, 3000]);
    // The full path indexed the new plan: the next call is fast again.
    expect(await credentialProcess('prod-admin')).toEqual({ stdout: after.stdout, stderr: SERVED });
    expect(t.sts.count('AssumeRole')).toBe(2);
  });

  it('a session with less than 5 minutes left is not served: the full path assumes the role again', async () => {
    const first = await credentialProcess('prod-admin');
    const entry = JSON.parse((await keychain(t, 'get', roleSessionKeyIn(t.env, 'prod-admin'))).stdout);
    entry.credentials.Expiration = new Date(Date.now() + 4 * 60_000).toISOString();
    expect((await keychain(t, 'set', roleSessionKeyIn(t.env, 'prod-admin'), JSON.stringify(entry))).code).toBe(0);
    const second = await credentialProcess('prod-admin');
    expect(second.stderr).toMatch(notTaken(/the cached session expires soon; this process refreshes it/));
    expect(second.stdout).not.toBe(first.stdout);
    expect(t.sts.count('AssumeRole')).toBe(2);
  });

  it('an index entry written before the index recorded the expiry still serves the hit (the keychain says)', async () => {
    const first = await credentialProcess('prod-admin');
    const old = index();
    delete old.profiles['prod-admin']!.expiration;
    writeFileSync(indexFile(), JSON.stringify(old));
    expect(await credentialProcess('prod-admin')).toEqual({ stdout: first.stdout, stderr: SERVED });
    expect(index().profiles['prod-admin']?.expiration).toBeUndefined();
    expect(t.sts.count('AssumeRole')).toBe(1);
  });

  it('`clear` makes the fast path miss, without reading the keychain (clear dropped the index entry)', async () => {
    await credentialProcess('prod-admin');
    expect((await cli(['clear', 'prod-admin'])).code).toBe(0);
    expect(index().profiles['prod-admin']).toBeUndefined();
    const after = await credentialProcess('prod-admin');
    expect(after.stderr).toMatch(notTaken(/the index has no entry for this profile; this process refreshes it/));
    expect(t.sts.count('AssumeRole')).toBe(2);
  });

  it('a call with --duration or --no-cache is not indexed: the plain call after it takes the full path', async () => {
    await credentialProcess('staging-admin', ['--duration', '30m']);
    await credentialProcess('staging-admin', ['--no-cache']);
    expect(index().profiles['staging-admin']).toBeUndefined();
    const plain = await credentialProcess('staging-admin');
    expect(plain.stderr).toMatch(notTaken(/the index has no entry for this profile; this process refreshes it/));
    expect(index().profiles['staging-admin']?.key).toBe(roleSessionKeyIn(t.env, 'staging-admin'));
    expect(t.sts.count('AssumeRole')).toBe(3);
  });

  it('a call given --mfa-token indexes the profile: the plain call after it is fast', async () => {
    const first = await credentialProcess('prod-admin', ['--mfa-token', VALID_MFA_CODE]);
    expect(await credentialProcess('prod-admin')).toEqual({ stdout: first.stdout, stderr: SERVED });
  });

  it('many processes at once on an expired session: one AssumeRole, the others wait and are served fast', async () => {
    await credentialProcess('prod-admin');
    expect((await cli(['clear', 'prod-admin'])).code).toBe(0);
    t.sts.reset();
    const results = await Promise.all(Array.from({ length: 8 }, () => debug(['credential-process', 'prod-admin'])));
    for (const r of results) expect(r).toMatchObject({ code: 0, stdout: results[0]!.stdout });
    expect(t.sts.count('AssumeRole')).toBe(1);
    expect(t.sts.count('GetSessionToken')).toBe(0);
    // Served fast: from the keychain, or as the refresher handed its session over (refresh-handoff.test.ts).
    const full = results.filter((r) => r.stderr !== SERVED && !HANDED.test(r.stderr));
    for (const r of full) expect(r.stderr).toMatch(notTaken(/the index has no entry for this profile; this process refreshes it/));
    expect(full.length).toBeGreaterThanOrEqual(1);
    expect(full.length).toBeLessThan(results.length / 2);
  });

  it('with the keychain locked, the fast path yields and the full path reports it as it would alone, exit 1', async () => {
    const first = await credentialProcess('prod-admin');
    await t.keyring.lock();
    // What the full path says when it is asked directly (an option sends the call there).
    const direct = await cli(['credential-process', 'prod-admin', '--region', 'eu-west-1']);
    expect(direct.code).toBe(1);
    expect(direct.stderr).toMatch(/^xacct: the keychain is locked; unlock it/);
    const r = await cli(['credential-process', 'prod-admin']);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: direct.stderr });
    const d = await debug(['credential-process', 'prod-admin']);
    expect(d.stderr.split('\n')[0]).toMatch(/^xacct: debug: credential-process fast path not taken: could not read the cache: .*unlock/);
    expect(t.sts.calls).toHaveLength(2);
    await t.keyring.unlock();
    expect(await credentialProcess('prod-admin')).toEqual({ stdout: first.stdout, stderr: SERVED });
  });
});
