/**
 * The test harness itself (test/helpers): each helper against the real thing it stands for — GNOME Keyring on
 * a private D-Bus, moto behind the STS proxy, the AWS CLI, a pseudo-terminal.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  VALID_MFA_CODE,
  isAlive,
  makeHome,
  motoQuery,
  requireEnv,
  requireTools,
  run,
  runCli,
  spawnPty,
  startEnv,
  stsErrorXml,
  type TestEnv,
} from '../helpers/index.js';
import { DAEMON_MARKER, findMarkedProcesses } from '../helpers/procs.js';

const opts = { keyring: true, sts: true, pty: true, awsCli: true, secretTool: true };

/** A child that asks on /dev/tty as xacct does, and reports what it got and what its stdio are. */
const ASK_ON_TTY = `
const fs = require('node:fs'), tty = require('node:tty');
const fd = fs.openSync('/dev/tty', 'r+');
fs.writeSync(fd, 'MFA code: ');
const buf = Buffer.alloc(64);
const line = buf.subarray(0, fs.readSync(fd, buf)).toString().trim();
process.stdout.write('got ' + line + ' stdio-tty=' + [0, 1, 2].map((n) => tty.isatty(n)).join(',') + '\\n');
process.stderr.write('to stderr\\n');
`;

/** Runs one @napi-rs/keyring operation in a fresh node process, as xacct's os backend does. */
function napiKeyring(t: TestEnv, op: 'set' | 'get', user: string, secret = '') {
  const script = `
const { AsyncEntry } = await import('@napi-rs/keyring');
const entry = new AsyncEntry('xacct', ${JSON.stringify(user)}, { linux: { store: 'secret-service' } });
try {
  ${op === 'set' ? `await entry.setPassword(${JSON.stringify(secret)}); console.log('stored');` : 'console.log(String(await entry.getPassword()));'}
} catch (err) { console.log('error: ' + err.message); }
`;
  return run(process.execPath, ['--input-type=module', '-e', script], { env: t.env, timeoutMs: 15_000 });
}

describe('requireTools', () => {
  it('accepts tools on PATH, skips with a warning outside CI, fails under CI=true', () => {
    expect(requireTools(['node', 'sh'])).toBe(true);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.stubEnv('CI', '');
    expect(requireTools(['node', 'no-such-tool-xyz'], 'harness')).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('no-such-tool-xyz'));
    vi.stubEnv('CI', 'true');
    expect(() => requireTools(['no-such-tool-xyz'])).toThrow(/no-such-tool-xyz.*CI=true/);
    vi.unstubAllEnvs();
    warn.mockRestore();
  });
});

describe('makeHome and run', () => {
  const home = makeHome();
  afterAll(() => home.cleanup());

  it('gives a clean environment with XDG folders inside HOME', async () => {
    vi.stubEnv('AWS_PROFILE', 'outer');
    vi.stubEnv('XACCT_DEBUG', '1');
    const r = await run(process.execPath, ['-p', 'JSON.stringify(process.env)'], { env: home.env });
    vi.unstubAllEnvs();
    const env = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(env).filter((k) => /^(AWS_|XACCT_|NODE_|DBUS_)/.test(k) && !['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'AWS_EC2_METADATA_DISABLED'].includes(k))).toEqual([]);
    expect(env).toMatchObject({ HOME: home.dir, XDG_CONFIG_HOME: `${home.dir}/.config`, AWS_EC2_METADATA_DISABLED: 'true', PATH: process.env.PATH });
    for (const d of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR']) expect(existsSync(env[d]!)).toBe(true);
    expect(home.write('.aws/config', '[default]\n')).toBe(`${home.dir}/.aws/config`);
  });

  it('runs without a controlling terminal: /dev/tty cannot be opened, stdin is at EOF', async () => {
    const script = `
let tty; try { require('node:fs').openSync('/dev/tty', 'r+'); tty = 'opened'; } catch (e) { tty = e.code; }
console.log(tty, require('node:fs').readFileSync(0, 'utf8').length);`;
    const r = await run(process.execPath, ['-e', script], { env: home.env, timeoutMs: 10_000 });
    expect(r.stdout.trim()).toBe('ENXIO 0');
  });

  it('kills the whole process group on timeout', async () => {
    const r = await run('sh', ['-c', 'sleep 30 & sleep 30'], { env: home.env, timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('runs the built CLI', async () => {
    const r = await runCli(['--version'], { env: home.env });
    expect(r).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });
});

describe.skipIf(!requireEnv(opts, 'the harness tests'))('startEnv: keyring, moto behind the STS proxy, pty', () => {
  let t: TestEnv;
  beforeAll(async () => {
    t = await startEnv({ keyring: true, sts: true });
    console.info(`service start-up (ms): ${JSON.stringify({ ...t.timings, keyringTotal: t.keyring.startupMs, motoTotal: t.moto.startupMs })}`);
  });
  afterAll(() => t?.stop());

  /** The IAM user's long-term keys, as the AWS CLI reads them. */
  const awsEnv = () => ({
    ...t.env,
    AWS_ACCESS_KEY_ID: t.user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.user.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
  });
  const sts = (action: string, params: Record<string, string> = {}, accessKeyId = t.user.accessKeyId) =>
    fetch(t.sts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250101/eu-west-1/sts/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({ Action: action, Version: '2011-06-15', ...params }),
    }).then(async (r) => ({ status: r.status, body: await r.text() }));

  it('keyring: a secret stored by one process is read by others (napi-rs keyring and secret-tool)', async () => {
    expect(t.env.DBUS_SESSION_BUS_ADDRESS).toMatch(new RegExp(`^unix:path=${t.home.dir}/`));
    expect((await napiKeyring(t, 'set', 'source:alice', 's3cret')).stdout.trim()).toBe('stored');
    expect((await napiKeyring(t, 'get', 'source:alice')).stdout.trim()).toBe('s3cret');
    const lookup = await run('secret-tool', ['lookup', 'service', 'xacct', 'username', 'source:alice'], { env: t.env });
    expect(lookup).toMatchObject({ code: 0, stdout: 's3cret' });
    const store = await run('secret-tool', ['store', '--label', 'x', 'service', 'other', 'username', 'u'], { env: t.env, input: 'two' });
    expect(store.code).toBe(0);
    expect((await run('secret-tool', ['lookup', 'service', 'other', 'username', 'u'], { env: t.env })).stdout).toBe('two');
  });

  it('keyring: lock() makes reads fail without hanging, unlock() restores them', async () => {
    await t.keyring.lock();
    expect(await t.keyring.isLocked()).toBe(true);
    const locked = await napiKeyring(t, 'get', 'source:alice');
    expect(locked.timedOut).toBe(false);
    expect(locked.stdout).toMatch(/^error: /);
    console.info(`napi-rs keyring on a locked keyring: ${locked.stdout.trim()} (${locked.durationMs} ms)`);
    expect((await run('secret-tool', ['lookup', 'service', 'xacct', 'username', 'source:alice'], { env: t.env })).stdout).toBe('');
    const oldPid = t.keyring.pids.keyring;
    await t.keyring.unlock();
    expect(isAlive(oldPid)).toBe(false);
    expect((await napiKeyring(t, 'get', 'source:alice')).stdout.trim()).toBe('s3cret');
  });

  it('moto has the IAM user with access keys and an MFA device', async () => {
    expect(t.user).toMatchObject({ userName: 'alice', arn: 'arn:aws:iam::123456789012:user/alice', mfaSerial: 'arn:aws:iam::123456789012:mfa/alice' });
    expect(t.user.accessKeyId).toMatch(/^AKIA/);
    const devices = await motoQuery(t.moto.url, 'iam', 'ListMFADevices', { UserName: 'alice' });
    expect(devices).toContain(t.user.mfaSerial);
  });

  it('the AWS CLI gets a session token through the proxy, which counts it and refuses a wrong code', async () => {
    t.sts.reset();
    const args = ['sts', 'get-session-token', '--serial-number', t.user.mfaSerial, '--duration-seconds', '900'];
    const ok = await run('aws', [...args, '--token-code', VALID_MFA_CODE], { env: awsEnv() });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const credentials = JSON.parse(ok.stdout).Credentials;
    expect(credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(Date.parse(credentials.Expiration) - Date.now()).toBeGreaterThan(800_000);
    expect(t.sts.count('GetSessionToken')).toBe(1);
    expect(t.sts.calls[0]).toMatchObject({
      action: 'GetSessionToken',
      serialNumber: t.user.mfaSerial,
      tokenCode: VALID_MFA_CODE,
      durationSeconds: 900,
      accessKeyId: t.user.accessKeyId,
      signedWith: 'other',
      status: 200,
      issued: { accessKeyId: credentials.AccessKeyId },
    });

    const wrong = await run('aws', [...args, '--token-code', '654321'], { env: awsEnv() });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('(AccessDenied) when calling the GetSessionToken operation: MultiFactorAuthentication failed with invalid MFA one time pass code.');
    expect(t.sts.count('GetSessionToken')).toBe(2);
    expect(t.sts.calls[1]).toMatchObject({ status: 403, errorCode: 'AccessDenied', tokenCode: '654321' });
  });

  it('the proxy answers errors in the shape of moto and STS, which the AWS SDK parses', async () => {
    const motoError = await motoQuery(t.moto.url, 'iam', 'CreateUser', { UserName: 'alice' }).catch((e: Error) => e);
    expect(motoError).toMatchObject({ code: 'EntityAlreadyExists' });
    const shape = (xml: string) => xml.replace(/>[^<]*</g, '><').replace(/ xmlns="[^"]*"/, '').replace(/<message><\/message>/, '');
    const raw = await fetch(t.moto.url, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIAX/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=CreateUser&Version=2010-05-08&UserName=alice',
    }).then((r) => r.text());
    expect(shape(stsErrorXml({ status: 400, code: 'X', message: 'y' }))).toBe(shape(raw));

    const { STSClient, GetSessionTokenCommand } = await import('@aws-sdk/client-sts');
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: t.sts.url,
      credentials: { accessKeyId: t.user.accessKeyId, secretAccessKey: t.user.secretAccessKey },
      maxAttempts: 1,
    });
    const err = await client.send(new GetSessionTokenCommand({ SerialNumber: t.user.mfaSerial, TokenCode: '000000' })).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'AccessDenied', message: 'MultiFactorAuthentication failed with invalid MFA one time pass code.', $metadata: { httpStatusCode: 403 } });
    t.sts.inject({ error: 'Throttling' });
    const throttled = await client.send(new GetSessionTokenCommand({})).catch((e: Error) => e);
    expect(throttled).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    const fine = await client.send(new GetSessionTokenCommand({}));
    expect(fine.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    client.destroy();
  });

  it('the proxy checks durations, MFA pairs and session names, and enforces the 1-hour chaining limit', async () => {
    t.sts.reset();
    const role = { RoleArn: 'arn:aws:iam::222222222222:role/admin', RoleSessionName: 'alice' };
    const codeOf = (r: { body: string }) => /<Code>([^<]*)</.exec(r.body)?.[1];
    expect(codeOf(await sts('GetSessionToken', { DurationSeconds: '899' }))).toBe('ValidationError');
    expect(codeOf(await sts('GetSessionToken', { DurationSeconds: '129601' }))).toBe('ValidationError');
    expect(codeOf(await sts('AssumeRole', { ...role, DurationSeconds: '43201' }))).toBe('ValidationError');
    expect(codeOf(await sts('AssumeRole', { ...role, RoleSessionName: 'alice smith' }))).toBe('ValidationError');
    expect(codeOf(await sts('AssumeRole', { ...role, SerialNumber: t.user.mfaSerial }))).toBe('AccessDenied');
    expect((await sts('AssumeRole', { ...role, DurationSeconds: '43200', SerialNumber: t.user.mfaSerial, TokenCode: VALID_MFA_CODE })).status).toBe(200);

    const session = await sts('GetSessionToken', { SerialNumber: t.user.mfaSerial, TokenCode: VALID_MFA_CODE });
    const mfaKey = /<AccessKeyId>([^<]*)</.exec(session.body)![1]!;
    expect(codeOf(await sts('AssumeRole', { ...role, DurationSeconds: '3601' }, mfaKey))).toBe('ValidationError');
    const assumed = await sts('AssumeRole', { ...role, DurationSeconds: '3600', Tags: '', 'Tags.member.1.Key': 'ticket', 'Tags.member.1.Value': 'OPS-42' }, mfaKey);
    expect(assumed.status).toBe(200);
    expect(t.sts.calls.at(-1)).toMatchObject({ signedWith: 'mfa-session', tags: { ticket: 'OPS-42' }, roleSessionName: 'alice' });
    expect(t.sts.count('AssumeRole')).toBe(6);

    t.sts.minDurationSeconds = 1;
    const short = await sts('GetSessionToken', { DurationSeconds: '5' });
    expect(short.status).toBe(200);
    expect(Date.parse(/<Expiration>([^<]*)</.exec(short.body)![1]!) - Date.now()).toBeLessThan(6000);
    t.sts.minDurationSeconds = 900;
  });

  it('the proxy injects faults for the next N calls, optionally per action, and delays', async () => {
    t.sts.reset();
    t.sts.inject({ error: 'InternalFailure', times: 2, action: 'AssumeRole' });
    t.sts.inject({ error: 'ExpiredToken' });
    const role = { RoleArn: 'arn:aws:iam::222222222222:role/admin', RoleSessionName: 'alice' };
    expect((await sts('GetCallerIdentity')).body).toContain('ExpiredToken');
    expect((await sts('AssumeRole', role)).status).toBe(500);
    expect((await sts('AssumeRole', role)).status).toBe(500);
    expect((await sts('AssumeRole', role)).status).toBe(200);
    t.sts.inject({ error: 'ConnectionReset' });
    await expect(sts('GetCallerIdentity')).rejects.toThrow();
    t.sts.inject({ delayMs: 300 });
    const t0 = Date.now();
    const identity = await sts('GetCallerIdentity');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(identity.body).toContain('<Account>123456789012</Account>');
    expect(t.sts.calls.map((c) => c.fault ?? c.status)).toEqual(['ExpiredToken', 'InternalFailure', 'InternalFailure', 200, 'ConnectionReset', 200]);
  });

  it('pty, tty mode: the prompt is answered on the terminal', async () => {
    const p = spawnPty(process.execPath, ['-e', ASK_ON_TTY], { env: t.env });
    await p.expect('MFA code: ');
    p.write(`${VALID_MFA_CODE}\r`);
    const r = await p.result(10_000);
    expect(r).toMatchObject({ code: 0, timedOut: false });
    expect(r.transcript).toContain(`got ${VALID_MFA_CODE} stdio-tty=true,true,true`);
    expect(r.transcript).toContain('to stderr');
  });

  it('pty, pipes mode: stdio are pipes, the prompt still reaches the terminal', async () => {
    const p = spawnPty(process.execPath, ['-e', ASK_ON_TTY], { env: t.env, mode: 'pipes' });
    await p.expect(/MFA code: $/);
    p.write(`${VALID_MFA_CODE}\r`);
    const r = await p.result(10_000);
    expect(r).toMatchObject({ code: 0, stdout: `got ${VALID_MFA_CODE} stdio-tty=false,false,false\n`, stderr: 'to stderr\n' });
    expect(r.transcript).toContain(VALID_MFA_CODE); // the terminal's echo of what was typed
    expect(r.transcript).not.toContain('got');
  });

  it('pty: Ctrl-C at the prompt ends the command with SIGINT', async () => {
    const p = spawnPty(process.execPath, ['-e', ASK_ON_TTY], { env: t.env });
    await p.expect('MFA code: ');
    p.write('\x03');
    expect(await p.result(10_000)).toMatchObject({ code: null, signal: 'SIGINT' });
  });

  it('stop() leaves no process behind and removes HOME', async () => {
    const marker = process.env[DAEMON_MARKER];
    expect(marker).toMatch(/^run-/); // set by test/helpers/global-setup.ts
    const pids = [t.keyring.pids.bus, t.keyring.pids.keyring, t.moto.pid];
    // Other test files of the run have services with the same marker: look for ours among them.
    expect(findMarkedProcesses(marker!).map((p) => p.pid)).toEqual(expect.arrayContaining(pids));
    expect(pids.every(isAlive)).toBe(true);
    await t.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(findMarkedProcesses(marker!).filter((p) => pids.includes(p.pid))).toEqual([]);
    expect(existsSync(t.home.dir)).toBe(false);
    await expect(fetch(t.sts.url)).rejects.toThrow();
  });
});
