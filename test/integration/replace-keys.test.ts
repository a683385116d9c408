/**
 * SPEC: a cached session is reused only while it was made from the source's current keys. Replacing the keys of a
 * source (`xacct add` with another user's keys) makes the next plain `credential-process` — the fast path's case —
 * take a new MFA session signed with the new keys and a new AssumeRole signed with that session, as the checking
 * proxy sees; `remove` leaves nothing served from the old keys.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, requireEnv, runCli, setupIdentity, standardMap, startEnv, type IamUser, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };

describe.skipIf(!requireEnv(opts, 'replacing a source’s keys'))('replacing a source’s keys retires its sessions', () => {
  let t: TestEnv;
  let bob: IamUser;
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...t.env, ...extra } });
  const served = async (profile: string) => {
    const r = await cli(['credential-process', profile]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { AccessKeyId: string };
  };
  /** The profiles the fast path's index has an entry for. */
  const indexed = () => Object.keys((JSON.parse(readFileSync(t.home.path('.cache/xacct/index.json'), 'utf8')) as { profiles: object }).profiles).sort();

  beforeAll(async () => {
    t = await startEnv(opts);
    // mfa_process: the plain `credential-process <profile>` an AWS tool runs needs no terminal.
    await setupIdentity(t, { map: standardMap(t.user.mfaSerial, { source: 'mfa_process = "echo 123456"' }) });
    bob = await createIamUser(t.moto.url, 'bob');
  });
  afterAll(() => t?.stop());

  it('the next call, fast path included, takes a new MFA session with the new keys and a new AssumeRole from it', async () => {
    const first = await served('prod-admin');
    await served('staging-admin');
    t.sts.reset();
    expect((await served('prod-admin')).AccessKeyId).toBe(first.AccessKeyId); // a cache hit: no STS call
    expect(t.sts.calls).toEqual([]);
    expect(indexed()).toEqual(['prod-admin', 'staging-admin']);

    const added = await cli(['add', 'identity'], { AWS_ACCESS_KEY_ID: bob.accessKeyId, AWS_SECRET_ACCESS_KEY: bob.secretAccessKey });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(
      'xacct: retired the role sessions of prod-admin, staging-admin and the MFA session of identity, made with the keys before: the next command takes a new session\n',
    );
    // Their index entries went with them: the short path does not read the gone entries before the full path.
    expect(indexed()).toEqual([]);
    const next = await cli(['credential-process', 'prod-admin'], { XACCT_DEBUG: '1' });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/^xacct: debug: credential-process fast path not taken: the index has no entry for this profile; this process refreshes it\n/);

    const after = JSON.parse(next.stdout) as { AccessKeyId: string };
    expect(after.AccessKeyId).not.toBe(first.AccessKeyId);
    const [gst, assume, ...rest] = t.sts.calls;
    expect(rest).toEqual([]);
    expect(gst).toMatchObject({ action: 'GetSessionToken', accessKeyId: bob.accessKeyId, signedWith: 'other', status: 200 });
    expect(assume).toMatchObject({ action: 'AssumeRole', accessKeyId: gst!.issued!.accessKeyId, signedWith: 'mfa-session', status: 200 });
    expect(after.AccessKeyId).toBe(assume!.issued!.accessKeyId);
  });

  it('adding the same keys again keeps the sessions', async () => {
    t.sts.reset();
    const r = await cli(['add', 'identity'], { AWS_ACCESS_KEY_ID: bob.accessKeyId, AWS_SECRET_ACCESS_KEY: bob.secretAccessKey });
    expect(r.stderr).not.toContain('retired');
    await served('prod-admin');
    expect(t.sts.calls).toEqual([]);
  });

  it('remove: nothing is served from the keys removed', async () => {
    expect(indexed()).toEqual(['prod-admin']);
    const r = await cli(['remove', 'identity']);
    expect(r.code).toBe(0);
    expect(indexed()).toEqual([]);
    expect(r.stderr).toMatch(/\nxacct: retired the role session of prod-admin and the MFA session of identity, made with those keys\n$/);
    t.sts.reset();
    const next = await cli(['credential-process', 'prod-admin']);
    expect(next.code).toBe(1);
    expect(next.stdout).toBe('');
    expect(next.stderr).toMatch(/no long-term credentials for source 'identity'|could not load the AWS profile 'identity'|identity/);
    expect(t.sts.calls.filter((c) => c.status === 200)).toEqual([]);
  });
});
