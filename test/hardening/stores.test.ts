/**
 * Where secrets live, broken on purpose: corrupt and foreign keychain entries, a locked keychain, no D-Bus, an
 * encrypted file that is garbage, truncated, tampered with or opened with the wrong passphrase, a HOME where no
 * folder can be made, no terminal to ask on. Through the built CLI, against the real keyring and moto.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addUserKeys,
  keychainEntry,
  makeHome,
  mfaSessionKeyOf,
  roleSessionKeyIn,
  requireEnv,
  run,
  runCli,
  startEnv,
  startKeyring,
  storeInKeychain,
  userKeys,
  VALID_MFA_CODE,
  XACCT_BIN,
  type Env,
  type TestEnv,
  type TestHome,
} from '../helpers/index.js';
import { expectCleanFailure, expectNoSecret, expectUnchanged, reportCount, snapshot } from './support.js';

const opts = { keyring: true, sts: true, secretTool: true };
const PASSPHRASE = 'correct horse battery staple 1';
const WRONG_PASSPHRASE = 'incorrect horse battery staple 2';

interface Printed {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

let cases = 0;

describe.skipIf(!requireEnv(opts, 'secret store faults'))('secret stores, broken on purpose', () => {
  let t: TestEnv;
  const secrets: string[] = [PASSPHRASE, WRONG_PASSPHRASE];
  const homes: TestHome[] = [];
  const cli = (args: readonly string[], extra: Env = {}, timeoutMs = 20_000) => runCli(args, { env: { ...t.env, ...extra }, timeoutMs });
  const keys = () => userKeys(t);
  const mapText = () => `[sources.identity]
mfa_serial = "${t.user.mfaSerial}"
region = "eu-west-1"
default = true

[sources.broken]
region = "eu-west-1"

[accounts]
prod = "222222222222"

[roles]
admin = "Admin"

[profiles.broken-admin]
role_arn = "arn:aws:iam::222222222222:role/Admin"
source = "broken"
`;

  /** A served credential-process: the JSON it printed (its secrets are remembered for the scans). */
  const served = (r: { code: number | null; stdout: string; stderr: string }, label = ''): Printed => {
    expect(r.stderr, label).toBe('');
    expect(r.code, label).toBe(0);
    const c = JSON.parse(r.stdout) as Printed;
    secrets.push(c.SecretAccessKey, c.SessionToken);
    return c;
  };

  beforeAll(async () => {
    t = await startEnv(opts);
    t.home.write('.config/xacct/config.toml', mapText());
    await addUserKeys(t);
    secrets.push(t.user.secretAccessKey);
  });
  afterAll(async () => {
    for (const h of homes) h.cleanup();
    await t?.stop();
    reportCount('secret store, keychain, HOME and terminal faults', cases);
  });

  describe('corrupt or foreign keychain entries are misses, and get overwritten', () => {
    const valid = (over: Record<string, unknown> = {}, creds: Record<string, unknown> = {}) =>
      JSON.stringify({
        v: 1,
        fingerprint: 'f'.repeat(64),
        credentials: { AccessKeyId: 'ASIAFOREIGN000000001', SecretAccessKey: 'foreign-secret', SessionToken: 'foreign-token', Expiration: new Date(Date.now() + 3600_000).toISOString(), ...creds },
        ...over,
      });
    const VARIANTS: [string, string][] = [
      ['text', 'not json at all'],
      ['control characters', '\u0001\u0002\u00ff\u00fe\u0000garbage'],
      ['JSON null', 'null'],
      ['a JSON list', '[1,2,3]'],
      ['a JSON string', '"role-session"'],
      ['a huge number', '1e999'],
      ['an empty object', '{}'],
      ['another version', valid({ v: 2 })],
      ['an expiration that is no date', valid({}, { Expiration: 'tomorrow' })],
      ['no secret key', valid({}, { SecretAccessKey: '' })],
      ['credentials of another kind', valid({}, { AccessKeyId: 7 })],
      ['another plan (fingerprint), still fresh', valid()],
      ['expired', valid({}, { Expiration: new Date(Date.now() - 60_000).toISOString() })],
      ['truncated', valid().slice(0, 40)],
    ];
    cases += VARIANTS.length;

    it.each(VARIANTS)('%s: STS is asked again, the entry is replaced by a good one, the next call is a hit', async (_name, value) => {
      // The first call (index for the fast path written) only has to be there; then both entries are spoilt.
      await storeInKeychain(t.env, mfaSessionKeyOf(t.user.accessKeyId, t.user.mfaSerial), value);
      await storeInKeychain(t.env, roleSessionKeyIn(t.env, 'prod-admin'), value);
      t.sts.reset();
      const first = served(await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE]), _name);
      expect(first.AccessKeyId).not.toBe('ASIAFOREIGN000000001');
      expect(t.sts.calls.map((c) => [c.action, c.status])).toEqual([
        ['GetSessionToken', 200],
        ['AssumeRole', 200],
      ]);
      for (const key of [mfaSessionKeyOf(t.user.accessKeyId, t.user.mfaSerial), roleSessionKeyIn(t.env, 'prod-admin')]) {
        const entry = JSON.parse((await keychainEntry(t.env, key))!) as { v: number; credentials: Printed };
        expect(entry.v).toBe(1);
        expect(Date.parse(entry.credentials.Expiration)).toBeGreaterThan(Date.now());
      }
      t.sts.reset();
      expect(served(await cli(['credential-process', 'prod-admin']))).toEqual(first);
      expect(t.sts.count()).toBe(0);
    });

    it("unreadable long-term keys are an error that says what to do, and stay as they are (they are the user's)", async () => {
      cases++;
      await storeInKeychain(t.env, 'source:broken', '{"AccessKeyId": "AKIA');
      t.sts.reset();
      const r = await cli(['credential-process', 'broken-admin']);
      expectCleanFailure(r, 1, { message: /^xacct: the keys stored for source 'broken' are unreadable\nxacct: store them again with 'xacct add broken'\n$/, secrets });
      expect(await keychainEntry(t.env, 'source:broken')).toBe('{"AccessKeyId": "AKIA');
      expect(t.sts.count()).toBe(0);
    });
  });

  describe('the keychain unavailable', () => {
    it('no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset), or one that is gone: exit 1, the file backend suggested', async () => {
      const noBus: Env = { ...t.env };
      delete noBus.DBUS_SESSION_BUS_ADDRESS;
      const runs = [
        [noBus, ['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], /DBUS_SESSION_BUS_ADDRESS is not set/],
        [noBus, ['add', 'identity'], /DBUS_SESSION_BUS_ADDRESS is not set/],
        [noBus, ['clear'], /DBUS_SESSION_BUS_ADDRESS is not set/],
        [{ ...t.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${t.home.path('no-such-bus')}` }, ['credential-process', 'prod-admin'], /no-such-bus/],
      ] as const;
      cases += runs.length;
      for (const [env, args, message] of runs) {
        const r = await runCli(args, { env: { ...env, ...(args[0] === 'add' ? keys() : {}) } });
        expectCleanFailure(r, 1, { message: new RegExp(`^xacct: no OS keychain reachable \\(Secret Service over D-Bus\\): .*${message.source}.*\\nxacct: set XACCT_BACKEND=file`), secrets, label: args.join(' ') });
      }
    });

    it('a locked keychain: every command that needs it fails with exit 1 and says so; unlocked, all is well again', async () => {
      const home = makeHome();
      homes.push(home);
      const keyring = await startKeyring(home);
      try {
        const env: Env = { ...home.env, ...keyring.env, AWS_ENDPOINT_URL_STS: t.sts.url };
        home.write('.config/xacct/config.toml', mapText());
        await addUserKeys(t, { env });
        await keyring.lock();
        const runs: [string[], Env][] = [
          [['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], {}],
          [['exec', 'prod-admin', '--mfa-token', VALID_MFA_CODE, '--', 'true'], {}],
          [['add', 'identity'], keys()],
          [['remove', 'identity'], {}],
          [['clear'], {}],
        ];
        cases += runs.length;
        t.sts.reset();
        for (const [args, extra] of runs) {
          const r = await runCli(args, { env: { ...env, ...extra } });
          expectCleanFailure(r, 1, { message: /^xacct: the keychain is locked; unlock it .*\nxacct: set XACCT_BACKEND=file/, secrets, label: args.join(' ') });
        }
        expect(t.sts.count()).toBe(0);
        await keyring.unlock();
        served(await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env }));
      } finally {
        await keyring.stop();
      }
    });
  });

  describe('the encrypted file of the file backend', () => {
    let home: TestHome;
    let env: Env;
    let good: Buffer;
    const secretsFile = (dataHome: string) => join(dataHome, 'xacct', 'secrets.enc');

    beforeAll(async () => {
      home = makeHome();
      homes.push(home);
      home.write('.config/xacct/config.toml', mapText());
      env = { ...home.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: PASSPHRASE, AWS_ENDPOINT_URL_STS: t.sts.url };
      await addUserKeys(t, { env });
      served(await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env }));
      good = readFileSync(secretsFile(env.XDG_DATA_HOME!));
    });

    const envelope = () => JSON.parse(good.toString('utf8')) as Record<string, unknown> & { kdf: Record<string, unknown>; data: string };
    const tampered = () => {
      const e = envelope();
      const data = Buffer.from(e.data, 'base64');
      data[0] = data[0]! ^ 1;
      return JSON.stringify({ ...e, data: data.toString('base64') });
    };
    const FILES: { name: string; content: () => string | Buffer | null; passphrase?: string; message: RegExp }[] = [
      { name: 'garbage bytes', content: () => Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 31 + 7) % 256)), message: /cannot decrypt \S+secrets\.enc: corrupt file \(not JSON\)/ },
      { name: 'truncated in the middle', content: () => good.subarray(0, Math.floor(good.length / 2)), message: /corrupt file \(not JSON\)/ },
      { name: 'empty', content: () => '', message: /corrupt file \(not JSON\)/ },
      { name: 'ciphertext changed by one bit', content: tampered, message: /cannot decrypt \S+secrets\.enc: wrong passphrase or corrupt file/ },
      { name: 'KDF cost raised (would take minutes)', content: () => JSON.stringify({ ...envelope(), kdf: { ...envelope().kdf, N: 2 ** 30 } }), message: /corrupt file \(bad KDF parameters\)/ },
      // The header of issue 11's report: within the old bounds, it took 60 s and 1.1 GB before failing.
      { name: 'KDF header N=2^20, r=8, p=16 (what xacct never writes)', content: () => JSON.stringify({ ...envelope(), kdf: { ...envelope().kdf, N: 2 ** 20, r: 8, p: 16 } }), message: /corrupt file \(bad KDF parameters\)/ },
      { name: 'KDF r or p changed alone', content: () => JSON.stringify({ ...envelope(), kdf: { ...envelope().kdf, r: 16 } }), message: /corrupt file \(bad KDF parameters\)/ },
      { name: 'KDF cost lowered (authenticated with the data)', content: () => JSON.stringify({ ...envelope(), kdf: { ...envelope().kdf, N: 2 ** 10 } }), message: /wrong passphrase or corrupt file/ },
      { name: 'another version', content: () => JSON.stringify({ ...envelope(), v: 2 }), message: /corrupt file \(unknown version 2\)/ },
      { name: 'wrong passphrase', content: () => good, passphrase: WRONG_PASSPHRASE, message: /wrong passphrase or corrupt file\nxacct: check XACCT_FILE_PASSPHRASE/ },
      { name: 'no passphrase and no terminal to ask for it', content: () => good, passphrase: '', message: /no terminal to ask for the passphrase of \S+secrets\.enc\nxacct: set XACCT_FILE_PASSPHRASE/ },
      { name: 'a folder instead of the file', content: () => null, message: /cannot read the encrypted secrets file \S+secrets\.enc: it is a folder/ },
    ];
    const COMMANDS: [string, string[], Env][] = [
      ['credential-process', ['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE, '--no-cache'], {}],
      ['add', ['add', 'identity'], {}],
      ['clear', ['clear'], {}],
    ];

    it.each(FILES)('$name: credential-process, add and clear fail with exit 1 and leave the file as it was', async (f) => {
      for (const [what, args, extra] of COMMANDS) {
        cases++;
        const dataHome = home.path(`data-${f.name.replace(/\W+/g, '-')}-${what}`);
        const file = secretsFile(dataHome);
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        const content = f.content();
        if (content === null) mkdirSync(file);
        else writeFileSync(file, content, { mode: 0o600 });
        const before = snapshot([file]);
        const caseEnv = { ...env, XDG_DATA_HOME: dataHome, XACCT_FILE_PASSPHRASE: f.passphrase ?? PASSPHRASE, ...(what === 'add' ? keys() : {}), ...extra };
        const r = await runCli(args, { env: caseEnv, timeoutMs: 15_000 });
        expectCleanFailure(r, 1, { message: f.message, secrets, label: `${f.name}, ${what}` });
        expectUnchanged(before, `${f.name}, ${what}`);
      }
    });
  });

  describe('HOME and the terminal', () => {
    const mapFile = () => t.home.path('.config/xacct/config.toml');
    const brokenHome = (home: string): Env => {
      const env: Env = { PATH: t.env.PATH!, HOME: home, XACCT_CONFIG: mapFile(), DBUS_SESSION_BUS_ADDRESS: t.env.DBUS_SESSION_BUS_ADDRESS!, AWS_ENDPOINT_URL_STS: t.sts.url };
      return env;
    };

    it('HOME below a regular file, or in /proc: exit 1 naming the folder, at once (no hang)', async () => {
      const plain = t.home.write('plain-file', 'x');
      const runs: [string, RegExp][] = [
        [join(plain, 'home'), /cannot create the folder \S+plain-file\/home\/\.local\/state\/xacct\/locks: a part of its path is a file\nxacct: check HOME and the XDG_\* variables\n$/],
        ['/proc/self', /cannot create the folder \/proc\/self\/\.local\/state\/xacct\/locks: a folder above it cannot be created\n/],
      ];
      cases += runs.length * 2;
      for (const [home, message] of runs) {
        await cli(['clear']); // so that a session is to be taken, under the lock
        const r = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE, '--region', 'eu-west-1'], { env: brokenHome(home), timeoutMs: 15_000 });
        expectCleanFailure(r, 1, { message, secrets, label: home });
        // aws-config --write makes ~/.aws there.
        const w = await runCli(['aws-config', '--write'], { env: brokenHome(home), timeoutMs: 15_000 });
        expectCleanFailure(w, 1, { message: /(could not|cannot) (read|write) \S+\.aws\/config: /, secrets, label: `${home} aws-config` });
      }
    });

    it('a HOME that does not exist yet: xacct makes the folders it needs, private', async () => {
      cases++;
      const home = t.home.path('not-yet', 'home');
      await cli(['clear']);
      const r = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env: brokenHome(home) });
      served(r);
      for (const dir of ['.local/state/xacct', '.local/state/xacct/locks']) expect(statSync(join(home, dir)).mode & 0o777, dir).toBe(0o700);
    });

    it('add without keys in the environment and no terminal: exit 1, says how to give them', async () => {
      cases++;
      const r = await cli(['add', 'identity']);
      expectCleanFailure(r, 1, { message: /^xacct: no terminal to ask for the keys of source 'identity'\nxacct: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/, secrets });
    });

    it('a reader that closes the pipe at once: credential-process ends quietly with exit 1, from the cache or not', async () => {
      cases += 2;
      for (const fromCache of [false, true]) {
        if (!fromCache) await cli(['clear', 'prod-admin']);
        else expect((await cli(['credential-process', 'prod-admin'])).code).toBe(0); // cached, and the fast path's index written
        const args = fromCache ? 'prod-admin' : `prod-admin --mfa-token ${VALID_MFA_CODE}`;
        const r = await run('bash', ['-c', `"$0" "$1" credential-process ${args} | (exec 0<&-; sleep 0.5); echo "status \${PIPESTATUS[0]}" >&2`, process.execPath, XACCT_BIN], { env: t.env });
        expect(r.stderr, `from the cache: ${fromCache}`).not.toMatch(/EPIPE|^\s+at /m);
        expect(r.stderr, `from the cache: ${fromCache}`).toMatch(/^status 1\n$/);
      }
    });

    it('an audit log that cannot be written does not take the session away: a warning, and the credentials', async () => {
      cases++;
      const state = t.home.path('state-with-folder-log');
      mkdirSync(join(state, 'xacct', 'audit.jsonl'), { recursive: true });
      await cli(['clear', 'prod-admin']);
      const r = await cli(['credential-process', 'prod-admin'], { XDG_STATE_HOME: state });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^xacct: warning: cannot append to the audit log \S+audit\.jsonl: it is a folder \(the session is used all the same\)\n$/);
      expectNoSecret([r.stderr], secrets);
      JSON.parse(r.stdout);
    });
  });
});
