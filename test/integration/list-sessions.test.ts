/**
 * The SESSION column of `xacct list` through the built CLI: cached role sessions read from a real GNOME Keyring
 * (sessions from moto behind the proxy), stale ones, and a keychain that cannot be read.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addUserKeys, requireEnv, runCli, setupIdentity, standardMap, startEnv, VALID_MFA_CODE, type Env, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };

interface Row {
  name: string;
  session: { secondsLeft: number; expiresAt: string; stale: boolean } | null;
}

describe.skipIf(!requireEnv(opts, 'list sessions'))('xacct list: cached sessions', () => {
  let t: TestEnv;
  const cli = (args: string[], extra: Env = {}) => runCli(args, { env: { ...t.env, ...extra } });
  const map = (more = '') => standardMap(t.user.mfaSerial, { roles: 'admin = "Admin"\nreadonly = "ReadOnly"', more });
  const writeMap = (more = '') => t.home.write('.config/xacct/config.toml', map(more));
  const sessionColumn = (stdout: string) =>
    Object.fromEntries(
      stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => {
          const cells = line.split(/\s{2,}/);
          return [cells[0], cells.at(-1)];
        }),
    );

  beforeAll(async () => {
    t = await startEnv(opts);
    await setupIdentity(t, { map: map() });
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    writeMap();
    if (await t.keyring.isLocked()) await t.keyring.unlock();
    expect((await cli(['clear'])).code).toBe(0);
  });

  it('shows the time left of the cached role session, "-" for the others', async () => {
    const before = await cli(['list']);
    expect(before.stderr).toBe('');
    expect(sessionColumn(before.stdout)).toEqual({ 'prod-admin': '-', 'prod-readonly': '-', 'staging-admin': '-', 'staging-readonly': '-' });

    const cp = await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE]);
    expect(cp.code, cp.stderr).toBe(0);
    const expiration = (JSON.parse(cp.stdout) as { Expiration: string }).Expiration;

    const r = await cli(['list']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(sessionColumn(r.stdout)).toEqual({ 'prod-admin': '1h', 'prod-readonly': '-', 'staging-admin': '-', 'staging-readonly': '-' });

    const json = await cli(['list', '--json']);
    const rows = JSON.parse(json.stdout) as Row[];
    const prodAdmin = rows.find((row) => row.name === 'prod-admin')!;
    expect(prodAdmin.session).toEqual({ secondsLeft: expect.any(Number), expiresAt: new Date(expiration).toISOString(), stale: false });
    expect(Math.abs(prodAdmin.session!.secondsLeft - (Date.parse(expiration) - Date.now()) / 1000)).toBeLessThan(10);
    expect(prodAdmin.session!.secondsLeft).toBeGreaterThan(3500);
    expect(rows.filter((row) => row.name !== 'prod-admin').map((row) => row.session)).toEqual([null, null, null]);
  });

  it('says "stale" for a session cached with settings the profile no longer has', async () => {
    expect((await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE])).code).toBe(0);
    writeMap('[profiles.prod-admin]\nexternal_id = "changed-since"\n');
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    expect(sessionColumn(r.stdout)['prod-admin']).toBe('stale');
    const rows = JSON.parse((await cli(['list', '--json'])).stdout) as Row[];
    expect(rows.find((row) => row.name === 'prod-admin')!.session).toMatchObject({ stale: true });
  });

  it('a locked keychain: SESSION "unknown" and a warning, once, not a failure', async () => {
    expect((await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE])).code).toBe(0);
    await t.keyring.lock();
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^xacct: warning: cached sessions unknown: the keychain is locked[^\n]*\nxacct: this note is shown once; xacct doctor tells it every time\n$/);
    expect(Object.values(sessionColumn(r.stdout))).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    // Not on every call: the column still says "unknown".
    const again = await cli(['list']);
    expect(again.stderr).toBe('');
    expect(Object.values(sessionColumn(again.stdout))).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    const json = await cli(['list', '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect((JSON.parse(json.stdout) as Row[]).map((row) => row.session)).toEqual([null, null, null, null]);
  });

  it('no keychain reachable (no D-Bus), or the file backend without its passphrase: the same', async () => {
    const noBus = { ...t.env, DBUS_SESSION_BUS_ADDRESS: '' };
    const r = await runCli(['list'], { env: noBus });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'xacct: warning: cached sessions unknown: no OS keychain reachable (Secret Service over D-Bus): DBUS_SESSION_BUS_ADDRESS is not set\n' +
        'xacct: this note is shown once; xacct doctor tells it every time\n',
    );
    expect(Object.values(sessionColumn(r.stdout))).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);

    // The file backend: its file exists once something is stored; list never asks for the passphrase.
    const file = { XACCT_BACKEND: 'file' };
    await addUserKeys(t, { env: { ...t.env, ...file, XACCT_FILE_PASSPHRASE: 'pw' } });
    expect((await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { ...file, XACCT_FILE_PASSPHRASE: 'pw' })).code).toBe(0);
    expect(sessionColumn((await cli(['list'], { ...file, XACCT_FILE_PASSPHRASE: 'pw' })).stdout)['prod-admin']).toBe('1h');
    const locked = await cli(['list'], file);
    expect(locked.code).toBe(0);
    expect(locked.stderr).toMatch(/^xacct: warning: cached sessions unknown: XACCT_FILE_PASSPHRASE is not set, and \S+secrets\.enc is not unlocked by the passphrase agent\nxacct: this note is shown once/);
    // A file-backend user who is asked for the passphrase when it is needed is not told this on every list.
    expect((await cli(['list'], file)).stderr).toBe('');
  });
});
