/**
 * How sessions are keyed, through the real CLI, GNOME Keyring and the checking proxy: two HOMEs (two profile maps)
 * with a profile of one name keep their own role sessions; sources with the same keys and MFA device share one MFA
 * session; a session made from keys the source no longer has is `stale` in `list` and not served (fast path
 * included), even when the keys changed without `xacct add` (in ~/.aws/credentials).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, makeHome, requireEnv, runCli, startEnv, userKeys, type Env, type IamUser, type TestEnv, type TestHome } from '../helpers/index.js';

const opts = { keyring: true, sts: true };
const MFA = (serial: string) => `mfa_serial = "${serial}"\nmfa_process = "echo 123456"\nregion = "eu-west-1"\n`;

describe.skipIf(!requireEnv(opts, 'session keys'))('sessions keyed by map, keys and device', () => {
  let t: TestEnv;
  let other: TestHome;
  let env2: Env;
  const cp = async (env: Env, profile: string) => {
    const r = await runCli(['credential-process', profile], { env });
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId;
  };
  const calls = () => t.sts.calls.filter((c) => c.status === 200).map((c) => c.action);

  beforeAll(async () => {
    t = await startEnv(opts);
    // HOME 1: prod-admin is role Admin; a second source `ops` with the same keys and MFA device.
    t.home.write(
      '.config/xacct/config.toml',
      `[sources.identity]\ndefault = true\n${MFA(t.user.mfaSerial)}\n[sources.ops]\n${MFA(t.user.mfaSerial)}\n` +
        '[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "Admin"\n\n' +
        '[profiles.ops-admin]\nrole_arn = "arn:aws:iam::444444444444:role/Admin"\nsource = "ops"\n',
    );
    for (const source of ['identity', 'ops']) expect((await runCli(['add', source], { env: { ...t.env, ...userKeys(t) } })).code).toBe(0);
    // HOME 2, same keychain: prod-admin is another role there.
    other = makeHome();
    other.write('.config/xacct/config.toml', `[sources.identity]\n${MFA(t.user.mfaSerial)}\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "OtherAdmin"\n`);
    env2 = { ...other.env, DBUS_SESSION_BUS_ADDRESS: t.env.DBUS_SESSION_BUS_ADDRESS!, AWS_ENDPOINT_URL_STS: t.env.AWS_ENDPOINT_URL_STS! };
  });
  afterAll(async () => {
    other?.cleanup();
    await t?.stop();
  });

  it('two HOMEs with a profile of one name keep their own role sessions, and share the MFA session of the same keys', async () => {
    t.sts.reset();
    const one = await cp(t.env, 'prod-admin');
    expect(calls()).toEqual(['GetSessionToken', 'AssumeRole']);
    const two = await cp(env2, 'prod-admin');
    expect(calls()).toEqual(['GetSessionToken', 'AssumeRole', 'AssumeRole']);
    expect(t.sts.calls.filter((c) => c.action === 'AssumeRole').map((c) => c.roleArn)).toEqual([
      'arn:aws:iam::222222222222:role/Admin',
      'arn:aws:iam::222222222222:role/OtherAdmin',
    ]);
    t.sts.reset();
    expect(await cp(t.env, 'prod-admin')).toBe(one);
    expect(await cp(env2, 'prod-admin')).toBe(two);
    expect(t.sts.calls).toEqual([]);
  });

  it('two sources with the same keys and MFA device: one MFA session', async () => {
    t.sts.reset();
    await cp(t.env, 'ops-admin');
    expect(calls()).toEqual(['AssumeRole']);
    expect(t.sts.calls[0]).toMatchObject({ signedWith: 'mfa-session', roleArn: 'arn:aws:iam::444444444444:role/Admin' });
  });

  describe('keys changed without xacct add', () => {
    let home: TestHome;
    let env: Env;
    let bob: IamUser;
    const credentials = (u: { accessKeyId: string; secretAccessKey: string }) =>
      home.write('.aws/credentials', `[team]\naws_access_key_id = ${u.accessKeyId}\naws_secret_access_key = ${u.secretAccessKey}\n`);

    beforeAll(async () => {
      home = makeHome();
      home.write('.config/xacct/config.toml', `[sources.team]\n${MFA(t.user.mfaSerial)}\n[profiles.team-admin]\nrole_arn = "arn:aws:iam::555555555555:role/Admin"\nsource = "team"\n`);
      credentials(t.user);
      env = { ...home.env, DBUS_SESSION_BUS_ADDRESS: t.env.DBUS_SESSION_BUS_ADDRESS!, AWS_ENDPOINT_URL_STS: t.env.AWS_ENDPOINT_URL_STS! };
      bob = await createIamUser(t.moto.url, 'bob-team');
    });
    afterAll(() => home?.cleanup());

    it('list marks the session stale, and the next call takes new sessions signed from the new keys', async () => {
      const first = await cp(env, 'team-admin');
      expect((await runCli(['list'], { env })).stdout).toMatch(/^team-admin\s.*\s(59m|1h)$/m);
      credentials(bob);
      const listed = await runCli(['list', '--json'], { env });
      expect((JSON.parse(listed.stdout) as { name: string; session: { stale: boolean } | null }[]).find((p) => p.name === 'team-admin')?.session?.stale).toBe(true);
      expect((await runCli(['list'], { env })).stdout).toMatch(/^team-admin\s.*\sstale$/m);

      t.sts.reset();
      const next = await cp(env, 'team-admin');
      expect(next).not.toBe(first);
      const [gst, assume] = t.sts.calls;
      expect(gst).toMatchObject({ action: 'GetSessionToken', accessKeyId: bob.accessKeyId, status: 200 });
      expect(assume).toMatchObject({ action: 'AssumeRole', accessKeyId: gst!.issued!.accessKeyId, signedWith: 'mfa-session', status: 200 });
      expect(t.sts.calls).toHaveLength(2);
    });
  });
});
