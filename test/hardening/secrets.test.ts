/**
 * No secret leaks: every command runs with XACCT_DEBUG=1 (stack traces on), against the keyring and the encrypted
 * file, and afterwards no known secret (the source's secret key, MFA and role session keys and tokens, the
 * exec --server token, the file passphrase) may be found in stderr, in the audit log, in any file under HOME
 * (scanned byte for byte: lock folder, fast-path index, encrypted file included), or in the argv or environment of
 * the processes xacct starts (exec, mfa_process, on_assume). credential-process and assume --export print
 * credentials on stdout by purpose: their stdout is exempt; every other stdout is checked.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSecretStore } from '../../src/adapters/keychain/file.js';
import { createLockManager } from '../../src/adapters/lock.js';
import { keychainEntry, mfaSessionKeyOf, requireEnv, runCli, startEnv, userKeys, type Env, type RunResult, type TestEnv } from '../helpers/index.js';
import { filesBelow, reportCount, secretsInFiles } from './support.js';

const opts = { keyring: true, sts: true, secretTool: true };
const PASSPHRASE = 'the file passphrase, 7f3a9c';

interface Creds {
  AccessKeyId?: string;
  SecretAccessKey: string;
  SessionToken?: string;
}

describe.skipIf(!requireEnv(opts, 'the secrets scan'))('no secret in output, files, or the argv and environment of children (XACCT_DEBUG=1)', () => {
  let t: TestEnv;
  let federation: Server;
  let outside: string;
  const secrets = new Set<string>();
  /** Every run: which command, its result, and whether its stdout carries credentials by purpose. */
  const runs: { args: readonly string[]; r: RunResult; stdoutExempt: boolean }[] = [];

  const remember = (c: Creds | undefined) => {
    if (!c) return;
    secrets.add(c.SecretAccessKey);
    if (c.SessionToken) secrets.add(c.SessionToken);
  };
  const xacct = async (args: readonly string[], extra: Env = {}, stdoutExempt = false) => {
    const r = await runCli(args, { env: { ...t.env, XACCT_DEBUG: '1', ...extra }, timeoutMs: 30_000 });
    runs.push({ args, r, stdoutExempt });
    return r;
  };
  const argvFile = (name: string) => t.home.path('argv', name);
  /** Shell text that writes the argv of this shell and of its parent (xacct), and its environment, to `name`. */
  const recordArgv = (name: string) =>
    `{ tr '\\000' ' ' < /proc/$$/cmdline; echo; tr '\\000' ' ' < /proc/$PPID/cmdline; echo; tr '\\000' '\\n' < /proc/$$/environ; } >> "${argvFile(name)}"`;

  beforeAll(async () => {
    t = await startEnv(opts);
    outside = mkdtempSync(join(tmpdir(), 'xacct-outside-'));
    federation = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"SigninToken":"signin-token-for-the-test"}'));
    await new Promise<void>((r) => federation.listen(0, '127.0.0.1', r));
    t.home.write('argv/.keep', '');
    t.home.write(
      '.config/xacct/config.toml',
      `default_profile = "prod-admin"
on_assume = ${JSON.stringify(recordArgv('on-assume'))}

[sources.identity]
mfa_serial = "${t.user.mfaSerial}"
mfa_process = ${JSON.stringify(`${recordArgv('mfa-process')}; echo 123456`)}
region = "eu-west-1"

[accounts]
prod = "222222222222"

[roles]
admin = "Admin"
`,
    );
    Object.assign(t.env, { XACCT_FEDERATION_URL: `http://127.0.0.1:${(federation.address() as AddressInfo).port}/federation`, SHELL: '/bin/sh' });
    for (const s of [t.user.secretAccessKey, PASSPHRASE, `${PASSPHRASE}-wrong`]) secrets.add(s);
  });
  afterAll(async () => {
    await new Promise((r) => federation?.close(r));
    rmSync(outside, { recursive: true, force: true });
    await t?.stop();
  });

  it('runs every command, with the keychain, then with the encrypted file', async () => {
    const keys = userKeys(t);
    const childArgv = `tr '\\000' ' ' < /proc/$$/cmdline; echo; tr '\\000' ' ' < /proc/$PPID/cmdline; echo`;
    const serverFetch =
      `node -e 'fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI,{headers:{Authorization:process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN}})` +
      `.then(r=>r.text()).then(b=>require("fs").writeFileSync(process.argv[1],JSON.stringify({b,t:process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN})))'`;

    for (const backend of ['os', 'file'] as const) {
      const extra: Env = backend === 'file' ? { XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: PASSPHRASE } : {};
      expect((await xacct(['add', 'identity'], { ...extra, ...keys })).code).toBe(0);
      await xacct(['list'], extra);
      await xacct(['list', '--json'], extra);

      const cp = await xacct(['credential-process', 'prod-admin'], extra, true);
      expect(cp.code, cp.stderr).toBe(0);
      remember(JSON.parse(cp.stdout) as Creds);
      await xacct(['credential-process', 'prod-admin'], extra, true); // a cache hit (the fast path, with the keychain)

      const exec = await xacct(['exec', 'prod-admin', '--', 'sh', '-c', childArgv], extra);
      expect(exec.code, exec.stderr).toBe(0);
      expect(exec.stdout).toMatch(/^sh -c /);
      expect(exec.stdout).toMatch(/xacct\.js exec prod-admin -- sh -c/);

      // The command's environment holds the session (its purpose), never the passphrase or the long-term key.
      const environ = await xacct(['exec', 'prod-admin', '--', 'sh', '-c', "tr '\\000' '\\n' < /proc/$$/environ"], extra, true);
      expect(environ.stdout).toMatch(/^AWS_SESSION_TOKEN=/m);
      for (const s of [PASSPHRASE, t.user.secretAccessKey]) expect(environ.stdout.includes(s), 'the environment of exec').toBe(false);

      const served = join(outside, `served-${backend}.json`);
      const server = await xacct(['exec', '--server', 'prod-admin', '--', 'sh', '-c', serverFetch.replace('process.argv[1]', JSON.stringify(served))], extra);
      expect(server.code, server.stderr).toBe(0);
      const { b, t: token } = JSON.parse(readFileSync(served, 'utf8')) as { b: string; t: string };
      secrets.add(token);
      remember(JSON.parse(b) as Creds);

      const exported = await xacct(['assume', 'prod-admin', '--export', 'bash'], extra, true);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).toMatch(/AWS_SECRET_ACCESS_KEY=/);
      await xacct(['assume', 'prod-admin'], extra); // $SHELL (/bin/sh) on a closed stdin: ends at once
      await xacct(['whoami', 'prod-admin'], extra);
      await xacct(['whoami', 'prod-admin', '--json'], extra);
      const login = await xacct(['login', 'prod-admin', '--print'], extra);
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout).toMatch(/SigninToken=signin-token-for-the-test/);
      await xacct(['aws-config'], extra);
      await xacct(['aws-config', '--write'], extra);
      await xacct(['doctor'], extra);
      await xacct(['completion', 'bash'], extra);
      await xacct(['__complete', 'profiles'], extra);
      // Failures, with their stack traces (XACCT_DEBUG=1).
      t.sts.inject({ error: 'AccessDenied', action: 'AssumeRole', times: 9 });
      await xacct(['credential-process', 'prod-admin', '--no-cache'], extra);
      t.sts.reset();
      await xacct(['credential-process', 'prod-admin', '--no-cache', '--mfa-token', '654321', '--duration', '2h'], extra);
      await xacct(['exec', 'prod-admin', '--', 'xacct-no-such-command'], extra);
      if (backend === 'file') await xacct(['credential-process', 'prod-admin', '--no-cache'], { ...extra, XACCT_FILE_PASSPHRASE: `${PASSPHRASE}-wrong` });

      // The MFA session each backend holds: its keys are secrets too.
      const mfaKey = mfaSessionKeyOf(t.user.accessKeyId, t.user.mfaSerial);
      if (backend === 'os') remember(JSON.parse((await keychainEntry(t.env, mfaKey))!).credentials as Creds);
      else {
        const store = createFileSecretStore({
          file: join(t.env.XDG_DATA_HOME!, 'xacct', 'secrets.enc'),
          lock: createLockManager(join(t.env.XDG_STATE_HOME!, 'xacct', 'locks')),
          passphrase: async () => PASSPHRASE,
        });
        remember((JSON.parse((await store.get(mfaKey))!) as { credentials: Creds }).credentials);
      }
      await xacct(['clear', 'prod-admin'], extra);
      await xacct(['clear'], extra);
      await xacct(['remove', 'identity'], extra);
    }
    reportCount('commands run with XACCT_DEBUG=1 and scanned for secrets', runs.length);
  });

  it('knows enough secrets for the scans to mean something', () => {
    // source key, passphrases (2), server tokens (2), and for each backend the MFA and role sessions' keys and tokens
    expect(secrets.size).toBeGreaterThanOrEqual(3 + 2 + 2 * 4);
    for (const s of secrets) expect(s.length, 'a secret too short to search for').toBeGreaterThanOrEqual(16);
  });

  it('no secret on stderr of any command (stack traces on), nor on stdout but where credentials are its purpose', () => {
    for (const { args, r, stdoutExempt } of runs) {
      for (const s of secrets) {
        expect(r.stderr.includes(s), `stderr of xacct ${args.join(' ')}: ${r.stderr}`).toBe(false);
        if (!stdoutExempt) expect(r.stdout.includes(s), `stdout of xacct ${args.join(' ')}`).toBe(false);
      }
    }
    // The debug mode was on: the failures printed their stack traces.
    expect(runs.some((x) => / {4}at /.test(x.r.stderr))).toBe(true);
  });

  it('no secret in any file under HOME: audit log, lock folder, fast-path index, AWS config, keyring files, the encrypted file', () => {
    const files = filesBelow(t.home.dir);
    expect(files.some((f) => f.endsWith('audit.jsonl'))).toBe(true);
    expect(files.some((f) => f.endsWith('secrets.enc'))).toBe(true);
    expect(files.some((f) => f.includes('/keyrings/'))).toBe(true);
    expect(secretsInFiles(t.home.dir, [...secrets])).toEqual([]);
    const audit = readFileSync(t.home.path('.local/state/xacct/audit.jsonl'), 'utf8').trim().split('\n');
    expect(audit.length).toBeGreaterThanOrEqual(2);
    for (const line of audit) expect(Object.keys(JSON.parse(line) as object).sort()).toEqual(['expiration', 'profile', 'roleArn', 'sessionName', 'time']);
  });

  it('the processes xacct starts: mfa_process and on_assume ran, and their argv and environment hold no secret', () => {
    const recorded = readdirSync(t.home.path('argv')).filter((f) => f !== '.keep');
    expect(recorded.sort()).toEqual(['mfa-process', 'on-assume']);
    for (const name of recorded) {
      const text = readFileSync(argvFile(name), 'utf8');
      const [self, parent] = text.split('\n');
      expect(self, name).toMatch(/^\/bin\/sh -c /);
      expect(parent, name).toMatch(/xacct\.js /);
      for (const s of secrets) expect(text.includes(s), `${name}: argv or environment holds a secret`).toBe(false);
    }
  });
});
