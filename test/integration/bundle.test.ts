/**
 * The built CLI as users run it (issue 16). What each path loads, seen from inside the process: a module preloaded with
 * `--import` writes Node's module cache at exit. A cached `credential-process` loads the fast path and the keyring
 * binding only; the full path loads the one bundle (dist/xacct.cjs, not the per-file dist/ modules) and no AWS SDK
 * while a session is cached; a cold call loads the STS client, and @aws-sdk/credential-providers only for a source
 * whose AWS profile is not static keys. And under XACCT_DEBUG=1 a stack trace names the lines of src/, through the
 * bundle's source map.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { keychainEntry, requireEnv, roleSessionKeyIn, run, runCli, setupIdentity, storeInKeychain, standardMap, startEnv, VALID_MFA_CODE, writeUserCredentials, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };
const PROBE = join(ROOT, 'test/fixtures/loaded-modules.mjs');

/** The packages (`@aws-sdk/client-sts`, `commander`) and xacct's own files (`dist/xacct.cjs`) a run loaded. */
function summary(files: readonly string[]): { packages: Set<string>; own: Set<string> } {
  const packages = new Set<string>();
  const own = new Set<string>();
  for (const f of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
    if (m) packages.add(m[1]!);
    else if (f.startsWith(ROOT)) own.add(f.slice(ROOT.length).replace(/^\//, ''));
  }
  return { packages, own };
}

describe.skipIf(!requireEnv(opts, 'what each path loads'))('what each path loads', () => {
  let t: TestEnv;
  const indexFile = () => t.home.path('.cache/xacct/index.json');
  const loaded = async (args: string[]) => {
    const out = t.home.path('loaded.txt');
    const r = await runCli(args, { env: { ...t.env, NODE_OPTIONS: `--import ${PROBE}`, XACCT_TEST_LOADED: out } });
    expect(r.code, r.stderr).toBe(0);
    return summary(readFileSync(out, 'utf8').split('\n'));
  };
  const map = (source: string) =>
    standardMap(t.user.mfaSerial, { source: `mfa_process = "printf ${VALID_MFA_CODE}"\n${source}`, more: '[sources.stored]\nregion = "eu-west-1"\n\n[profiles.stored-admin]\nrole_arn = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"\nsource = "stored"\n' });

  beforeAll(async () => {
    t = await startEnv(opts);
    // `identity` takes its keys from ~/.aws/credentials (an AWS profile of static keys); `stored` from `xacct add`.
    await setupIdentity(t, { map: map('default = true') });
    await runCli(['remove', 'identity'], { env: t.env });
    writeUserCredentials(t);
    const add = await runCli(['add', 'stored'], { env: { ...t.env, AWS_ACCESS_KEY_ID: t.user.accessKeyId, AWS_SECRET_ACCESS_KEY: t.user.secretAccessKey } });
    expect(add.code, add.stderr).toBe(0);
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    expect((await runCli(['clear'], { env: t.env })).code).toBe(0);
  });

  it('a cold call with an AWS profile of static keys loads the STS client, not the credential providers', async () => {
    const { packages, own } = await loaded(['credential-process', 'prod-admin']);
    expect(packages).toContain('@aws-sdk/client-sts');
    expect(packages).not.toContain('@aws-sdk/credential-providers');
    expect(packages).not.toContain('@aws-sdk/credential-provider-ini');
    expect(packages).not.toContain('@inquirer/prompts');
    expect(own).toContain('dist/xacct.cjs');
  });

  it('a cold call with keys stored by `xacct add` loads no credential provider either', async () => {
    const { packages } = await loaded(['credential-process', 'stored-admin']);
    expect(packages).toContain('@aws-sdk/client-sts');
    expect(packages).not.toContain('@aws-sdk/credential-providers');
  });

  it('a cached session: the fast path loads only its bundle and the keychain module; the full path the bundle, no SDK', async () => {
    await loaded(['credential-process', 'prod-admin']);
    const fast = await loaded(['credential-process', 'prod-admin']);
    expect([...fast.packages].every((p) => p.startsWith('@napi-rs/keyring')), [...fast.packages].join(' ')).toBe(true);
    // Three files besides the launcher: the fast path with the shared definitions inlined, the keychain module (its
    // Secret Service client inlined, which the full path shares, below), and the binding's module, through which
    // the hit makes its one read (keychain.getPasswordOnHit).
    expect([...fast.own].sort()).toEqual([
      'bin/xacct.js',
      'dist/adapters/keychain/secret-service-binding.cjs',
      'dist/adapters/keychain/secret-service.cjs',
      'dist/fast/credential-process-hit.cjs',
    ]);

    const full = await loaded(['credential-process', 'prod-admin', '--region', 'eu-west-1']);
    expect(full.own).toContain('dist/xacct.cjs');
    expect([...full.own].filter((f) => f.endsWith('.js') && f.startsWith('dist/'))).toEqual([]);
    expect([...full.packages].filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/') || p.startsWith('@inquirer/') || p === 'commander' || p === 'smol-toml')).toEqual([]);
  });

  it('the fast-path bundle requires from dist/ only the modules that hold state for the whole process, and what only a miss runs', () => {
    const requiredBy = (file: string) => {
      const text = readFileSync(join(ROOT, 'dist', file), 'utf8');
      return { text, ours: [...new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!))].filter((r) => !r.startsWith('node:')).sort() };
    };
    const hit = requiredBy('fast/credential-process-hit.cjs');
    expect(hit.ours).toEqual(['../adapters/keychain/secret-service.cjs', './refresh-claim.cjs']);
    // The refresh claim, loaded on a miss, holds no state: the claims and the refresher's socket are in these.
    expect(requiredBy('fast/refresh-claim.cjs').ours).toEqual(['../adapters/lock-file.cjs', '../adapters/lock-record.cjs', './refresh-handoff.cjs']);
    // Their code is not in the bundle too (a second instance would open its own keychain session, hold its own
    // claims, or serve its waiters from a socket the full path never offers on).
    expect(hit.text).not.toContain('RETRY_BUDGET_MS');
    expect(hit.text).not.toContain('releaseAllSync');
    expect(hit.text).not.toContain('MAX_MESSAGE_BYTES');
  });

  it('a hit that falls through opens one Secret Service session more than the full path alone; one the index knows expires, none more', async () => {
    // The daemon numbers its sessions: one opened before and one after tell how many a run opened in between.
    const lastSession = async () => {
      const r = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.OpenSession', 'string:plain', 'variant:string:'], { env: t.env });
      const n = /\/org\/freedesktop\/secrets\/session\/s?(\d+)/.exec(r.stdout)?.[1];
      expect(n, r.stdout + r.stderr).toBeDefined();
      return Number(n);
    };
    const sessionsOf = async (args: string[], { inIndex = false } = {}) => {
      // A cached session that expires within the reuse margin: the fast path reads it, then yields; the full path
      // reads it again and assumes the role. `inIndex`: the index records that expiry too, as it does when the
      // session it was written for runs out.
      const key = roleSessionKeyIn(t.env, 'prod-admin');
      const entry = JSON.parse((await keychainEntry(t.env, key))!);
      entry.credentials.Expiration = new Date(Date.now() + 4 * 60_000).toISOString();
      await storeInKeychain(t.env, key, JSON.stringify(entry));
      const index = JSON.parse(readFileSync(indexFile(), 'utf8'));
      expect(index.profiles['prod-admin'].expiration).toMatch(/Z$/);
      if (inIndex) index.profiles['prod-admin'].expiration = entry.credentials.Expiration;
      writeFileSync(indexFile(), JSON.stringify(index));
      const before = await lastSession();
      const r = await runCli(args, { env: { ...t.env, XACCT_DEBUG: '1' } });
      expect(r.code, r.stderr).toBe(0);
      const sessions = (await lastSession()) - before - 1;
      return { sessions, firstLine: r.stderr.split('\n')[0] };
    };
    await runCli(['credential-process', 'prod-admin'], { env: t.env });
    const alone = await sessionsOf(['credential-process', 'prod-admin', '--region', 'eu-west-1']);
    expect(alone.firstLine).toMatch(/fast path not taken: not exactly one profile argument/);
    const fellThrough = await sessionsOf(['credential-process', 'prod-admin']);
    expect(fellThrough.firstLine).toMatch(/fast path not taken: the cached session expires soon; this process refreshes it/);
    expect(alone.sessions).toBeGreaterThanOrEqual(1);
    // The hit reads through the binding (keychain.getPasswordOnHit); the full path's calls all share the client's one
    // session. A second instance of the keychain module in the bundle would add more.
    expect(fellThrough.sessions).toBe(alone.sessions + 1);
    // The index records when the session expires: the fast path misses on it before the keychain, and the refresh
    // opens the full path's one session only (2 before the index recorded it).
    const known = await sessionsOf(['credential-process', 'prod-admin'], { inIndex: true });
    expect(alone.sessions).toBe(1);
    expect(known.sessions).toBe(1);
    expect(known.firstLine).toMatch(/fast path not taken: the cached session expires soon, as the index records it; this process refreshes it/);
  });

  it('XACCT_DEBUG=1: the stack trace names the TypeScript sources, not the bundle', async () => {
    const r = await runCli(['whoami', 'no-such-profile'], { env: { ...t.env, XACCT_DEBUG: '1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^xacct: unknown profile 'no-such-profile'\n/);
    expect(r.stderr).toMatch(/\nxacct: debug: +at resolveProfile \(.*\/src\/core\/profile-map\/resolve\.ts:\d+:\d+\)\n/);
    expect(r.stderr).not.toContain('xacct.cjs');
  });
});
