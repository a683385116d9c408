/**
 * The helpers xacct starts for itself (issue 11): a source's credential_process (run by xacct, and the one the AWS
 * SDK runs deeper in a chain), mfa_process, on_assume and the browser launcher. Through the real CLI, with the file
 * backend and XACCT_FILE_PASSPHRASE set: none of them gets the passphrase; a hung one is stopped at its time limit
 * with everything it started; and when xacct is ended by a signal, a helper still running is stopped with it, and
 * one line says which.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAlive, MOTO_ACCOUNT, requireEnv, runCli, standardMap, startEnv, XACCT_BIN, type Env, type RunResult, type TestEnv } from '../helpers/index.js';
import { expectCleanFailure } from './support.js';

const opts = { sts: true };
const PASSPHRASE = 'the-file-passphrase-d41c';

const sleepUntil = async (done: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
};

describe.skipIf(!requireEnv(opts, 'the helper-process tests'))('helpers xacct starts: no secret, a time limit, none outlives xacct', () => {
  let t: TestEnv;
  let env: Env;
  let federation: Server;
  const dump = (name: string) => t.home.path(`dump-${name}.env`);
  /** A shell script that records its environment in dump-<name>.env, then prints `out`. */
  const recorder = (name: string, out: string) =>
    t.home.write(`bin/${name}`, `#!/bin/sh\nenv > ${dump(name)}\n${out}\n`, 0o755);
  const cli = (args: string[], extra: Env = {}, timeoutMs?: number) => runCli(args, { env: { ...env, ...extra }, ...(timeoutMs ? { timeoutMs } : {}) });

  beforeAll(async () => {
    t = await startEnv(opts);
    federation = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"SigninToken":"token-5a1e"}'));
    await new Promise<void>((r) => federation.listen(0, '127.0.0.1', r));

    const keysJson = JSON.stringify({ Version: 1, AccessKeyId: t.user.accessKeyId, SecretAccessKey: t.user.secretAccessKey });
    const credentialProcess = recorder('credential-process', `printf '%s' '${keysJson}'`);
    const mfaProcess = recorder('mfa-process', 'echo 123456');
    const onAssume = recorder('on-assume', '');
    const browser = t.home.write(
      'bin/browser',
      `#!${process.execPath}\nimport { writeFileSync } from 'node:fs';\n` +
        `writeFileSync(${JSON.stringify(dump('browser'))}, Object.entries(process.env).map(([k, v]) => k + '=' + v).join('\\n'));\n` +
        `await fetch(process.argv[2], { redirect: 'manual' });\n`,
      0o755,
    );
    // Hung ones: each records the PIDs of what it started, then waits for ever.
    const hung = (name: string) => t.home.write(`bin/${name}`, `#!/bin/sh\nsleep 300 & echo $! >> ${t.home.path(`${name}.pids`)}\nsleep 301 & echo $! >> ${t.home.path(`${name}.pids`)}\nwait\n`, 0o755);
    t.home.write(
      '.aws/config',
      `[profile direct]\ncredential_process = ${credentialProcess}\n\n` +
        // A role profile as a source's aws_profile: the AWS SDK resolves the chain and runs the process itself.
        `[profile chained]\nrole_arn = arn:aws:iam::${MOTO_ACCOUNT}:role/Chained\nsource_profile = direct\n\n` +
        `[profile hung]\ncredential_process = ${hung('hung-direct')}\n\n` +
        `[profile hung-chained]\nrole_arn = arn:aws:iam::${MOTO_ACCOUNT}:role/Chained\nsource_profile = hung-base\n\n` +
        `[profile hung-base]\ncredential_process = ${hung('hung-sdk')}\n`,
    );
    const mapFor = (awsProfile: string, extra = '') =>
      `on_assume = "${onAssume}"\n` + standardMap(t.user.mfaSerial, { source: `aws_profile = "${awsProfile}"\nmfa_process = "${mfaProcess}"\n${extra}` });
    t.home.write('.config/xacct/config.toml', mapFor('direct'));
    t.home.write('chained.toml', mapFor('chained'));
    t.home.write('hung.toml', standardMap(undefined, { source: 'aws_profile = "hung"' }));
    t.home.write('hung-chained.toml', standardMap(undefined, { source: 'aws_profile = "hung-chained"' }));
    t.home.write('slow-on-assume.toml', `on_assume = "sleep 300 & echo $! > ${t.home.path('on-assume.pid')}; wait"\n${standardMap(undefined, { source: 'aws_profile = "direct"' })}`);
    env = {
      ...t.env,
      XACCT_BACKEND: 'file',
      XACCT_FILE_PASSPHRASE: PASSPHRASE,
      XACCT_FEDERATION_URL: `http://127.0.0.1:${(federation.address() as AddressInfo).port}/federation`,
      BROWSER: browser,
    };
  });
  afterAll(async () => {
    await new Promise((r) => (federation ? federation.close(r) : r(undefined)));
    await t?.stop();
  });
  beforeEach(() => {
    t.sts.reset();
    // Each case proves its helpers ran by their dumps: none may be left by the case before.
    for (const name of ['credential-process', 'mfa-process', 'on-assume', 'browser']) rmSync(dump(name), { force: true });
  });

  const expectNoPassphrase = (name: string) => {
    expect(existsSync(dump(name)), `${name} did not run`).toBe(true);
    const seen = readFileSync(dump(name), 'utf8');
    expect(seen).not.toContain(PASSPHRASE);
    expect(seen).not.toMatch(/^XACCT_FILE_PASSPHRASE=/m);
  };

  it("XACCT_FILE_PASSPHRASE reaches none of them: a source's credential_process, mfa_process, on_assume, the browser", async () => {
    const r = await cli(['credential-process', 'prod-admin']);
    expect(r.code, r.stderr).toBe(0);
    expect(t.sts.count('GetSessionToken')).toBe(1);
    for (const name of ['credential-process', 'mfa-process', 'on-assume']) expectNoPassphrase(name);
    const login = await cli(['login', 'prod-admin']);
    expect(login.code, login.stderr).toBe(0);
    expectNoPassphrase('browser');
  });

  it('nor the credential_process the AWS SDK runs itself, deeper in a chain (the passphrase left the process environment)', async () => {
    const r = await cli(['credential-process', 'prod-admin', '--no-cache'], { XACCT_CONFIG: t.home.path('chained.toml') });
    expect(r.code, r.stderr).toBe(0);
    expect(t.sts.calls.some((c) => c.action === 'AssumeRole' && /role\/Chained/.test(JSON.stringify(c)))).toBe(true);
    expectNoPassphrase('credential-process');
  });

  it('a hung source credential_process — run by xacct, or by the SDK in a chain — ends in one line within 90 s, and nothing it started is left', async () => {
    const started = Date.now();
    const [direct, chained] = await Promise.all([
      cli(['credential-process', 'prod-admin', '--no-cache'], { XACCT_CONFIG: t.home.path('hung.toml') }, 100_000),
      cli(['credential-process', 'prod-admin', '--no-cache'], { XACCT_CONFIG: t.home.path('hung-chained.toml') }, 100_000),
    ]);
    expect(Date.now() - started).toBeLessThan(90_000);
    expectCleanFailure(direct, 1, { message: /^xacct: cannot load credentials for source 'identity' from AWS profile 'hung': its credential_process \(hung-direct\) did not finish within 60 s and was stopped$/m });
    expectCleanFailure(chained, 1, { message: /^xacct: cannot load credentials for source 'identity' from AWS profile 'hung-chained': they did not come within 60 s, and the credential_process of its chain was stopped$/m });
    for (const name of ['hung-direct', 'hung-sdk']) {
      const pids = readFileSync(t.home.path(`${name}.pids`), 'utf8').trim().split('\n').map(Number);
      expect(pids, name).toHaveLength(2);
      await sleepUntil(() => !pids.some(isAlive), 2_000);
      expect(pids.filter(isAlive), `${name}: left running`).toEqual([]);
    }
  }, 120_000);

  it('when xacct is ended by SIGTERM while on_assume runs, on_assume is stopped with what it started, and one line says so', async () => {
    const child = spawn(process.execPath, [XACCT_BIN, 'credential-process', 'prod-admin', '--no-cache'], {
      env: { ...env, XACCT_CONFIG: t.home.path('slow-on-assume.toml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const ended = new Promise<Pick<RunResult, 'code' | 'signal'>>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const pidFile = t.home.path('on-assume.pid');
    await sleepUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 20_000);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(sleeper)).toBe(true);
    child.kill('SIGTERM');
    const end = await ended;
    expect(end.signal).toBe('SIGTERM');
    expect(stderr).toBe('xacct: stopped on_assume (sleep), still running on SIGTERM\n');
    await sleepUntil(() => !isAlive(sleeper), 2_000);
    expect(isAlive(sleeper)).toBe(false);
  });

  it('XACCT_FEDERATION_URL that is not https (or http on loopback) is exit 2 naming it, before any session is taken', async () => {
    for (const url of ['http://signin.evil.example/federation', 'ftp://127.0.0.1/federation']) {
      const r = await cli(['login', 'prod-admin', '--no-cache'], { XACCT_FEDERATION_URL: url });
      expectCleanFailure(r, 2, { message: /^xacct: XACCT_FEDERATION_URL (is http:\/\/ to a host that is not loopback|must be https:\/\/, not ftp:\/\/): / });
    }
    expect(t.sts.calls).toEqual([]);
  });

  it('a browser launcher that fails before the browser fetched the URL (BROWSER=false) is exit 1, one line', async () => {
    const r = await cli(['login', 'prod-admin'], { BROWSER: 'false' });
    expectCleanFailure(r, 1, { message: /^xacct: could not open a browser: the browser launcher \(false\) failed with exit code 1$/m });
  });
});
