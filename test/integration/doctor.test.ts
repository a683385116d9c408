/**
 * `xacct doctor` through the built CLI: a healthy setup (GNOME Keyring + moto behind the proxy) and the ways it
 * breaks — a bad profile map, a locked keychain, a skewed clock, AWS config entries that cannot work, an
 * unreachable STS, a secrets file others can read.
 */
import { chmodSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addUserKeys, requireEnv, runCli, standardMap, startEnv, VALID_MFA_CODE, XACCT_BIN, type Env, type TestEnv } from '../helpers/index.js';
import { repeatedMarker } from '../helpers/iam-checks.js';

const opts = { keyring: true, sts: true };

interface Finding {
  status: 'ok' | 'warning' | 'error';
  topic: string;
  message: string;
  fix?: string;
}

describe.skipIf(!requireEnv(opts, 'doctor'))('xacct doctor', () => {
  let t: TestEnv;
  let env: Env;
  let mapFile: string;
  let awsConfig: string;
  const cli = (args: string[], extra: Env = {}) => runCli(args, { env: { ...env, ...extra } });
  const doctor = async (extra: Env = {}) => {
    const r = await cli(['doctor'], extra);
    expect(r.stderr).toBe('');
    return { ...r, lines: r.stdout.trimEnd().split('\n') };
  };
  const writeMap = (text: string) => (mapFile = t.home.write('.config/xacct/config.toml', text));
  const MAP = () => standardMap(t.user.mfaSerial, { roles: 'admin = "Admin"' });
  const AWS_CONFIG = '[default]\nregion = eu-west-1\n\n[profile prod-admin]\ncredential_process = xacct credential-process prod-admin\n';

  beforeAll(async () => {
    t = await startEnv(opts);
    const bin = t.home.path('bin');
    mkdirSync(bin);
    symlinkSync(XACCT_BIN, `${bin}/xacct`);
    env = { ...t.env, PATH: `${bin}:${t.env.PATH}` };
    writeMap(MAP());
    awsConfig = t.home.write('.aws/config', AWS_CONFIG);
    await addUserKeys(t);
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    writeMap(MAP());
    t.home.write('.aws/config', AWS_CONFIG);
    t.sts.dateOffsetSeconds = 0;
    if (await t.keyring.isLocked()) await t.keyring.unlock();
    expect((await cli(['clear'])).code).toBe(0);
    t.sts.reset();
  });

  it('a healthy setup: every line ok, exit 0, no prompt, only GetCallerIdentity with the long-term key', async () => {
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      `ok       profile map: ${mapFile}: 2 profiles`,
      'ok       keychain: backend os: Secret Service over D-Bus answers, unlocked; 1 entry of xacct',
      'ok       source identity: long-term keys stored in the OS keychain (xacct add)',
      `ok       source identity: no MFA session cached: the next command asks for a code of ${t.user.mfaSerial}`,
      `ok       source identity: STS accepts its long-term keys: ${t.user.arn}`,
      `ok       source identity: age of access key ${t.user.accessKeyId} not checked: no MFA session is cached (doctor asks for no code; the next command that opens one makes it checkable)`,
      `ok       clock: in step with STS (${t.sts.url})`,
      `ok       STS: ${t.sts.url} (AWS_ENDPOINT_URL_STS), region eu-west-1 (of source identity)`,
      `ok       AWS config: 1 profile of ${awsConfig} gets credentials from xacct: prod-admin`,
      `ok       PATH: xacct is ${t.home.path('bin/xacct')}: this installation (${XACCT_BIN})`,
      'ok       files: xacct’s folders and files are yours alone, and no one else can change the AWS files',
    ]);
    expect(t.sts.calls).toEqual([expect.objectContaining({ action: 'GetCallerIdentity', accessKeyId: t.user.accessKeyId, region: 'eu-west-1', status: 200 })]);
    expect(r.stdout).not.toContain(t.user.secretAccessKey);

    // With a session: its time left, and the line says so.
    expect((await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE])).code).toBe(0);
    const after = await doctor();
    expect(after.code).toBe(0);
    expect(after.lines).toContain('ok       keychain: backend os: Secret Service over D-Bus answers, unlocked; 3 entries of xacct');
    expect(after.lines.find((l) => l.includes('MFA session'))).toMatch(/^ok {7}source identity: MFA session cached, 11h5\dm left \(until \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    for (const secret of [t.user.secretAccessKey]) expect(after.stdout).not.toContain(secret);

    // With the MFA session cached, the key's age: IAM ListAccessKeys signed with that session, no code asked.
    const today = new Date().toISOString().slice(0, 10);
    expect(after.lines).toContain(`ok       source identity: access key ${t.user.accessKeyId} is 0 days old (created ${today})`);
    expect(t.sts.calls.filter((c) => c.service === 'iam').map((c) => [c.action, c.signedWith])).toEqual([['ListAccessKeys', 'mfa-session']]);
    t.sts.iam.createDates.set(t.user.accessKeyId, new Date(Date.now() - 120 * 86_400_000));
    const old = await doctor();
    const created = new Date(Date.now() - 120 * 86_400_000).toISOString().slice(0, 10);
    expect(old.code).toBe(0);
    expect(old.lines).toContain(`warning  source identity: access key ${t.user.accessKeyId} is 120 days old (created ${created}): older than 90 days, rotate it (fix: xacct rotate identity)`);
  });

  it('a ListAccessKeys Marker that comes back again: the key-age line says the listing was stopped, and doctor ends', async () => {
    expect((await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE])).code).toBe(0);
    t.sts.reset();
    t.sts.iam.paging = { action: 'ListAccessKeys', mode: 'repeat' };
    const r = await runCli(['doctor'], { env, timeoutMs: 30_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const { message, hint } = repeatedMarker('ListAccessKeys', t.sts.url);
    expect(r.stdout.split('\n').filter((l) => l.includes('access key'))).toEqual([`warning  source identity: age of access key ${t.user.accessKeyId} not checked: ${message} (fix: ${hint})`]);
    expect(t.sts.calls.filter((c) => c.service === 'iam').map((c) => [c.action, c.signedWith])).toEqual([
      ['ListAccessKeys', 'mfa-session'],
      ['ListAccessKeys', 'mfa-session'],
    ]);
  });

  it('--json: the same findings with counts', async () => {
    const r = await cli(['doctor', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { errors: number; warnings: number; findings: Finding[] };
    expect(report).toMatchObject({ errors: 0, warnings: 0 });
    expect(report.findings.map((f) => f.topic)).toEqual(['profile map', 'keychain', 'source identity', 'source identity', 'source identity', 'source identity', 'clock', 'STS', 'AWS config', 'PATH', 'files']);
    expect(report.findings.every((f) => f.status === 'ok')).toBe(true);
  });

  it('a broken profile map: an error line with file:line, exit 1', async () => {
    writeMap(`${MAP()}\n[roles.readonly]\nname = "ReadOnly"\nduration = "3 days"\n`);
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatch(new RegExp(`^error {4}profile map: ${mapFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:14: .*duration`));
    // The rest is still looked at.
    expect(r.lines.some((l) => l.startsWith('ok       keychain: '))).toBe(true);
  });

  it('a locked keychain: an error line naming XACCT_BACKEND=file, exit 1', async () => {
    await t.keyring.lock();
    const r = await doctor();
    expect(r.code).toBe(1);
    const line = r.lines.find((l) => l.includes('keychain:'))!;
    expect(line).toMatch(/^error {4}keychain: backend os: the keychain is locked.*\(fix: set XACCT_BACKEND=file to keep secrets in an encrypted file instead\)$/);
    expect(r.lines).toContain(`warning  source identity: MFA session (${t.user.mfaSerial}) unknown: the keychain could not be read`);
  });

  it('a clock 2 minutes off is a warning; 10 minutes off an error naming NTP', async () => {
    t.sts.dateOffsetSeconds = 120;
    const warned = await doctor();
    expect(warned.code).toBe(0);
    expect(warned.lines.find((l) => l.includes('clock:'))).toMatch(
      new RegExp(`^warning  clock: 2 minutes behind STS \\(${t.sts.url}\\): near the 5 minutes beyond which AWS refuses requests \\(fix: .*NTP.*\\)$`),
    );

    t.sts.dateOffsetSeconds = -600;
    const failed = await doctor();
    expect(failed.code).toBe(1);
    expect(failed.lines.find((l) => l.includes('clock:'))).toMatch(/^error {4}clock: 10 minutes ahead of STS .*every STS call fails \(fix: .*time synchronisation with NTP/);
  });

  it('AWS config entries for an unknown profile, and xacct missing from PATH: errors', async () => {
    t.home.write('.aws/config', `${AWS_CONFIG}\n[profile old]\ncredential_process = xacct credential-process prod-readonly\n\n[profile gone-admin]\ncredential_process = xacct credential-process gone-admin\n\n[profile staging-admin]\ncredential_process = xacct exec staging-admin\n`);
    const r = await doctor({ PATH: t.env.PATH! });
    expect(r.code).toBe(1);
    expect(r.lines).toContain(
      `error    AWS config: [profile old] in ${awsConfig} runs xacct credential-process prod-readonly, and 'prod-readonly' is not a profile of xacct (fix: remove [profile old], or point it at a profile of xacct)`,
    );
    // xacct's own entry for a profile that is gone: --prune removes it.
    expect(r.lines).toContain(
      `error    AWS config: [profile gone-admin] in ${awsConfig} runs xacct credential-process gone-admin, and 'gone-admin' is not a profile of xacct (fix: run xacct aws-config --write --prune)`,
    );
    // Another xacct command: --write leaves it alone, so the fix is the edit.
    expect(r.lines).toContain(
      `error    AWS config: [profile staging-admin] in ${awsConfig} runs 'xacct exec', not xacct credential-process <profile> (fix: make it credential_process = xacct credential-process staging-admin)`,
    );
    expect((await cli(['aws-config', '--write'], { PATH: t.env.PATH! })).stderr).toContain(`left [profile staging-admin] in ${awsConfig} alone`);
    expect(r.lines.find((l) => l.includes('PATH:'))).toMatch(/^error {4}PATH: xacct is not on PATH, so the AWS tools cannot run the credential_process entries/);
  });

  it('entries that run a program that is gone: the fix names a command that works, and following it clears the error', async () => {
    t.home.write('.aws/config', AWS_CONFIG.replace('= xacct credential-process', '= /nonexistent/bin/xacct credential-process'));
    const missing = (lines: string[]) => lines.filter((l) => l.includes('/nonexistent/bin/xacct'));
    // A plain --write keeps the command it finds: the fix gives one (xacct when on PATH, else this installation).
    expect(missing((await doctor()).lines)).toEqual([
      'error    PATH: /nonexistent/bin/xacct, which credential_process entries run, is missing or not executable (fix: run xacct aws-config --write --command xacct)',
    ]);
    expect(missing((await doctor({ PATH: t.env.PATH! })).lines)).toEqual([
      `error    PATH: /nonexistent/bin/xacct, which credential_process entries run, is missing or not executable (fix: run xacct aws-config --write --command ${realpathSync(XACCT_BIN)})`,
    ]);
    expect((await cli(['aws-config', '--write'])).code).toBe(0);
    expect(missing((await doctor()).lines)).toHaveLength(1);
    expect((await cli(['aws-config', '--write', '--command', 'xacct'])).code).toBe(0);
    const fixed = await doctor();
    expect(fixed.lines.filter((l) => l.includes('PATH:'))).toEqual([expect.stringMatching(/^ok {7}PATH: xacct is /)]);
  });

  it('an unreachable STS: a warning within the time limit, not a hang', async () => {
    const started = Date.now();
    const r = await doctor({ AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(r.code).toBe(0);
    expect(r.lines).toContain('warning  source identity: STS not checked: cannot reach STS at http://127.0.0.1:9 (ECONNREFUSED) (fix: check the network connection and any AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL setting)');
    expect(r.lines).toContain('warning  clock: not compared with STS: STS could not be asked with source identity');
  });

  it('malformed environment variables: one error line each, naming the variable; STS is not called with them', async () => {
    const r = await doctor({ AWS_ENDPOINT_URL_STS: 'notaurl', AWS_REGION: 'Ireland' });
    expect(r.code).toBe(1);
    expect(r.lines.slice(0, 2)).toEqual([
      'error    environment: AWS_REGION="Ireland" is not an AWS region such as eu-west-1 (fix: set it to a region such as eu-west-1, or unset it)',
      'error    environment: AWS_ENDPOINT_URL_STS="notaurl" is not a URL (fix: set it to an endpoint URL such as https://sts.eu-west-1.amazonaws.com, or unset it to use the default)',
    ]);
    expect(r.lines).toContain('warning  STS: endpoint unknown: AWS_ENDPOINT_URL_STS is malformed (see the environment line)');
    expect(r.lines.find((l) => l.includes('STS not checked'))).toMatch(/AWS_ENDPOINT_URL_STS="notaurl" is not a URL/);
    expect(t.sts.calls).toEqual([]);
  });

  it('no profile map at the default place: says how to name another (XACCT_CONFIG is not set)', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(mapFile);
    t.home.write('.aws/config', `${AWS_CONFIG}\n[profile identity]\nregion = eu-west-1\n\n[profile ops]\nrole_arn = arn:aws:iam::222222222222:role/Ops\nsource_profile = identity\n`);
    const r = await doctor();
    expect(r.lines[0]).toBe(`ok       profile map: none at ${mapFile} (set XACCT_CONFIG to use another file); 1 profile (1 from ${awsConfig})`);
  });

  it('refused long-term keys are an error for the source', async () => {
    t.sts.inject({ action: 'GetCallerIdentity', error: 'InvalidClientTokenId' });
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.lines.find((l) => l.includes('STS refused'))).toMatch(/^error {4}source identity: STS refused its long-term keys: .*InvalidClientTokenId.*\(fix: store valid keys with xacct add identity\)$/);
  });

  it('the file backend: a file others can read is a warning; a wrong passphrase an error', async () => {
    const file = { XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'right' };
    await addUserKeys(t, { env: { ...env, ...file } });
    const secrets = t.home.path('.local/share/xacct/secrets.enc');
    const good = await doctor(file);
    expect(good.code).toBe(0);
    expect(good.lines[1]).toBe(`ok       keychain: backend file (XACCT_BACKEND): ${secrets}, mode 0600, opened with XACCT_FILE_PASSPHRASE; 1 entry`);
    expect(good.lines[2]).toBe('ok       source identity: long-term keys stored in the encrypted file (xacct add)');

    chmodSync(secrets, 0o644);
    const open = await doctor(file);
    expect(open.lines).toContain(`warning  keychain: backend file (XACCT_BACKEND): ${secrets} has mode 0644: other users may read it (fix: chmod 600 ${secrets})`);
    chmodSync(secrets, 0o600);

    const wrong = await doctor({ ...file, XACCT_FILE_PASSPHRASE: 'wrong' });
    expect(wrong.code).toBe(1);
    expect(wrong.lines[1]).toMatch(/^error {4}keychain: backend file \(XACCT_BACKEND\): .*passphrase/);
  });
});
