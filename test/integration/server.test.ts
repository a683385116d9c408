import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runWithCredentialServer } from '../../src/app/serve-credentials.js';
import type { CredentialRequest, ObtainedCredentials } from '../../src/app/get-credentials.js';
import type { AwsCredentials } from '../../src/core/credentials.js';
import type { Env } from '../../src/core/paths.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';

// The real AWS CLI (botocore) and the JS SDK read credentials from `exec --server`'s endpoint and call STS (moto).

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

const plan = { name: 'prod-admin', roleArn: 'arn:aws:iam::222222222222:role/Admin' } as ProfilePlan;

/** A fake engine whose provider hands out numbered moto-valid sessions that last `seconds`. */
function fakeEngine(seconds: number) {
  let n = 0;
  const retrieve = vi.fn(async (): Promise<AwsCredentials> => {
    n += 1;
    return {
      accessKeyId: `ASIAXACCTSERVER${String(n).padStart(4, '0')}`,
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: `session-token-${n}`,
      expiration: new Date(Date.now() + seconds * 1000),
    };
  });
  const getCredentials = vi.fn(
    async (_env: Env, _req: CredentialRequest): Promise<ObtainedCredentials> => ({
      plan,
      region: 'eu-west-1',
      credentials: await retrieve(),
      provider: { retrieve },
    }),
  );
  return { getCredentials, retrieve };
}

let moto: { url: string; proc: ChildProcess };
let home: string;
beforeAll(async () => {
  moto = await startMoto();
  home = await mkdtemp(join(tmpdir(), 'xacct-server-'));
});
afterAll(async () => {
  moto?.proc.kill();
  if (home) await rm(home, { recursive: true, force: true });
});

/** What the user's shell would hand to xacct: stale keys and a profile that must not reach the command. */
function userEnv(): Env {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_ENDPOINT_URL_STS: moto.url,
    AWS_ACCESS_KEY_ID: 'AKIASTALEOUTERKEY000',
    AWS_SECRET_ACCESS_KEY: 'stale',
    AWS_PROFILE: 'outer',
  };
}

const req: CredentialRequest = { profile: 'prod-admin', cache: true, mfaToken: '123456' };

describe('exec --server', () => {
  it('serves the AWS CLI (botocore container provider) through AWS_CONTAINER_CREDENTIALS_FULL_URI', async () => {
    const engine = fakeEngine(3600);
    const out = join(home, 'cli.out');
    const script = `env | grep -E '^(AWS_|XACCT_)' | sort > "${out}.env"; aws sts get-caller-identity --output json > "${out}"`;
    const code = await runWithCredentialServer(userEnv(), req, 'sh', ['-c', script], { getCredentials: engine.getCredentials });

    expect(code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toHaveProperty('Account');
    const childEnv = await readFile(`${out}.env`, 'utf8');
    expect(childEnv).toMatch(/^AWS_CONTAINER_CREDENTIALS_FULL_URI=http:\/\/127\.0\.0\.1:\d+\/credentials$/m);
    expect(childEnv).toMatch(/^AWS_CONTAINER_AUTHORIZATION_TOKEN=\S{43}$/m);
    expect(childEnv).toMatch(/^AWS_REGION=eu-west-1$/m);
    expect(childEnv).toMatch(/^XACCT_PROFILE=prod-admin$/m);
    expect(childEnv).not.toMatch(/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)=/m);
    // Once before the command, once for the CLI's request, through the engine's provider.
    expect(engine.getCredentials).toHaveBeenCalledTimes(1);
    expect(engine.retrieve).toHaveBeenCalledTimes(2);
  });

  it('serves the JS SDK default chain, and renews what is about to expire on each request', async () => {
    // 2 minutes left: the SDK treats it as expiring (< 5 min) and asks again before each call.
    const engine = fakeEngine(120);
    const out = join(home, 'sdk.out');
    const program = `
      import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
      import { writeFileSync } from 'node:fs';
      const sts = new STSClient({});
      const ids = [];
      for (let i = 0; i < 2; i++) ids.push((await sts.send(new GetCallerIdentityCommand({}))).Account);
      const creds = await sts.config.credentials();
      writeFileSync(${JSON.stringify(out)}, JSON.stringify({ ids, accessKeyId: creds.accessKeyId }));
    `;
    const code = await runWithCredentialServer(userEnv(), req, process.execPath, ['--input-type=module', '-e', program], {
      getCredentials: engine.getCredentials,
    });

    expect(code).toBe(0);
    const result = JSON.parse(await readFile(out, 'utf8')) as { ids: string[]; accessKeyId: string };
    expect(result.ids).toHaveLength(2);
    expect(engine.retrieve.mock.calls.length).toBeGreaterThanOrEqual(3);
    // The command now holds a session it got after it started, not the one served first.
    expect(Number(result.accessKeyId.slice(-4))).toBeGreaterThanOrEqual(3);
  });

  it("returns the command's exit code and stops serving when it ends", async () => {
    const engine = fakeEngine(3600);
    const out = join(home, 'uri.out');
    const code = await runWithCredentialServer(userEnv(), req, 'sh', ['-c', `printf %s "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "${out}"; exit 7`], {
      getCredentials: engine.getCredentials,
    });
    expect(code).toBe(7);
    const url = await readFile(out, 'utf8');
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses to nest inside another session unless forced', async () => {
    const engine = fakeEngine(3600);
    const run = vi.fn(async () => 0);
    const inside = { ...userEnv(), XACCT_PROFILE: 'staging-admin' };
    await expect(runWithCredentialServer(inside, req, 'true', [], { getCredentials: engine.getCredentials, runCommand: run })).rejects.toThrow(
      /already inside an xacct session/,
    );
    expect(await runWithCredentialServer(inside, { ...req, force: true }, 'true', [], { getCredentials: engine.getCredentials, runCommand: run })).toBe(0);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('fails before starting the command when the first retrieval fails', async () => {
    const engine = vi.fn(async () => {
      throw new Error('no');
    });
    const run = vi.fn(async () => 0);
    await expect(runWithCredentialServer(userEnv(), req, 'true', [], { getCredentials: engine, runCommand: run })).rejects.toThrow('no');
    expect(run).not.toHaveBeenCalled();
  });
});

// The same through the built CLI (run `npm run build` first): file backend, long-term keys in ~/.aws/credentials,
// role sessions from moto.

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'xacct.js');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

describe('xacct exec --server (built CLI)', () => {
  let cliEnv: Record<string, string>;
  beforeAll(async () => {
    const cliHome = join(home, 'cli');
    await mkdir(join(cliHome, '.aws'), { recursive: true });
    await writeFile(join(home, 'config.toml'), '[sources.identity]\nregion = "eu-west-1"\n[accounts]\nprod = "222222222222"\n[roles]\nadmin = "Admin"\n');
    await writeFile(
      join(cliHome, '.aws', 'credentials'),
      '[identity]\naws_access_key_id = AKIAXACCTSERVERSRC01\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
    );
    cliEnv = {
      PATH: process.env.PATH ?? '',
      HOME: cliHome,
      XACCT_CONFIG: join(home, 'config.toml'),
      XACCT_BACKEND: 'file',
      XACCT_FILE_PASSPHRASE: 'test-passphrase',
      AWS_ENDPOINT_URL_STS: moto.url,
    };
  });

  it('gives the AWS CLI credentials through the endpoint, not static keys', async (ctx) => {
    const script = 'env | grep -c "^AWS_ACCESS_KEY_ID=" ; aws sts get-caller-identity --query Arn --output text';
    const result = await runCli(['exec', 'prod-admin', '--server', '--', 'sh', '-c', script], cliEnv);
    if (/not implemented/.test(result.stderr)) {
      console.warn('exec --server is not wired in exec.ts yet: skipped');
      return ctx.skip();
    }
    expect(result.code, result.stderr).toBe(0);
    const [keysInEnv, arn] = result.stdout.trim().split('\n');
    expect(keysInEnv).toBe('0');
    expect(arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/Admin\//);
  });

  it('renews the role session while the command runs (short test sessions)', async (ctx) => {
    // Needs the engine to accept a 60 s role session under XACCT_UNSAFE_MIN_DURATION_SECONDS, reused while more
    // than min(300, duration / 4) = 15 s remain: the command sees a new session within ~45 s.
    const program = `
      import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
      const sts = new STSClient({});
      const first = await sts.config.credentials();
      await sts.send(new GetCallerIdentityCommand({}));
      let now = first;
      const deadline = Date.now() + 75_000;
      while (now.accessKeyId === first.accessKeyId && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 2000));
        now = await sts.config.credentials({ forceRefresh: true });
      }
      await sts.send(new GetCallerIdentityCommand({}));
      console.log(JSON.stringify({ renewed: now.accessKeyId !== first.accessKeyId, laterExpiry: now.expiration > first.expiration }));
    `;
    const result = await runCli(
      ['exec', 'prod-admin', '--server', '--duration', '60', '--', process.execPath, '--input-type=module', '-e', program],
      { ...cliEnv, XACCT_UNSAFE_MIN_DURATION_SECONDS: '60' },
    );
    if (/not implemented|out of range/.test(result.stderr)) {
      console.warn('exec --server or XACCT_UNSAFE_MIN_DURATION_SECONDS is not wired yet: skipped');
      return ctx.skip();
    }
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({ renewed: true, laterExpiry: true });
    // Renewed when the margin was reached, not on every request (the command asked every 2 s).
    const audit = await readFile(join(cliEnv.HOME!, '.local', 'state', 'xacct', 'audit.jsonl'), 'utf8');
    const sessions60s = audit.split('\n').filter((l) => l.includes('"prod-admin"')).length;
    expect(sessions60s).toBeLessThanOrEqual(5);
  }, 120_000);
});
