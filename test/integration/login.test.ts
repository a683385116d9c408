import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// `xacct login` of the built CLI (run `npm run build` first): role session from moto, sign-in token from a local
// stand-in for the federation endpoint that checks what it is sent.

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'xacct.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a session of its own (no controlling terminal: no prompt, no picker) with only `env`. */
function runCli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function startMoto(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${url}/moto-api/`);
      return { url, proc };
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error('moto_server did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const PROFILE_MAP = `[sources.identity]
region = "eu-west-1"

[accounts]
prod = "222222222222"
staging = "333333333333"

[roles]
admin = "OrganizationAccountAccessRole"
`;
const SOURCE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SIGNIN_TOKEN = 'xacct-test-signin-token-0123456789';

let moto: { url: string; proc: ChildProcess };
let federation: Server;
let federationUrl: string;
let federationStatus = 200;
const federationSeen: URL[] = [];
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  moto = await startMoto();
  federation = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://federation.test');
    federationSeen.push(url);
    if (federationStatus !== 200) return void res.writeHead(federationStatus).end('{"error":"refused"}');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ SigninToken: SIGNIN_TOKEN }));
  });
  await new Promise<void>((r) => federation.listen(0, '127.0.0.1', r));
  federationUrl = `http://127.0.0.1:${(federation.address() as AddressInfo).port}/federation`;

  dir = await mkdtemp(join(tmpdir(), 'xacct-login-'));
  const home = join(dir, 'home');
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(join(dir, 'config.toml'), PROFILE_MAP);
  await writeFile(join(home, '.aws', 'credentials'), `[identity]\naws_access_key_id = AKIAXACCTLOGINSOURCE\naws_secret_access_key = ${SOURCE_SECRET}\n`);
  const browser = join(dir, 'browser.sh');
  await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > "${join(dir, 'opened')}"\n`);
  await chmod(browser, 0o755);
  env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XACCT_CONFIG: join(dir, 'config.toml'),
    XACCT_BACKEND: 'file',
    XACCT_FILE_PASSPHRASE: 'test-passphrase',
    AWS_ENDPOINT_URL_STS: moto.url,
    XACCT_FEDERATION_URL: federationUrl,
    BROWSER: browser,
  };
});
afterAll(async () => {
  moto?.proc.kill();
  await new Promise((r) => (federation ? federation.close(r) : r(undefined)));
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  federationSeen.length = 0;
  federationStatus = 200;
});

describe('xacct login', () => {
  it('--print: the sign-in URL of the role session, on stdout only', async () => {
    const result = await runCli(['login', 'prod-admin', '--print'], env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);

    const url = new URL(lines[0]!);
    expect(url.origin + url.pathname).toBe(federationUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'login',
      Issuer: 'xacct',
      Destination: 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1',
      SigninToken: SIGNIN_TOKEN,
    });
    expect(result.stderr).not.toContain(SIGNIN_TOKEN);

    // The federation endpoint got the role session (the one credential-process serves from the cache).
    expect(federationSeen).toHaveLength(1);
    const asked = federationSeen[0]!;
    expect(asked.searchParams.get('Action')).toBe('getSigninToken');
    expect(asked.searchParams.get('SessionDuration')).toBe('3600');
    const session = JSON.parse(asked.searchParams.get('Session')!) as Record<string, string>;
    expect(Object.keys(session).sort()).toEqual(['sessionId', 'sessionKey', 'sessionToken']);
    const cached = await runCli(['credential-process', 'prod-admin'], env);
    const role = JSON.parse(cached.stdout) as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    expect(session).toEqual({ sessionId: role.AccessKeyId, sessionKey: role.SecretAccessKey, sessionToken: role.SessionToken });
  });

  it('opens the URL in the browser, as one argument, and prints nothing on stdout', async () => {
    const result = await runCli(['login', 'prod-admin'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/opened the AWS console as prod-admin/);
    expect(result.stderr).not.toContain(SIGNIN_TOKEN);
    let opened = '';
    for (let i = 0; i < 50 && !opened; i++) {
      opened = await readFile(join(dir, 'opened'), 'utf8').catch(() => '');
      if (!opened) await new Promise((r) => setTimeout(r, 100));
    }
    expect(new URL(opened).searchParams.get('SigninToken')).toBe(SIGNIN_TOKEN);
  });

  it('fails with one line and no secret when the endpoint refuses', async () => {
    federationStatus = 400;
    const result = await runCli(['login', 'prod-admin', '--print'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^xacct: the AWS sign-in endpoint 127\.0\.0\.1:\d+ refused the role session \(HTTP 400\)$/m);
    expect(result.stderr).not.toMatch(/Session=|sessionKey|ASIA|wJalr/);
  });

  it('without a profile and without a terminal: a usage error listing the profiles', async () => {
    const result = await runCli(['login', '--print'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('prod-admin');
    expect(result.stderr).toContain('staging-admin');
    expect(federationSeen).toHaveLength(0);
  });
});
