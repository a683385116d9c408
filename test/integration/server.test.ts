import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runWithCredentialServer } from '../../src/app/serve-credentials.js';
import type { CredentialRequest, ObtainedCredentials } from '../../src/app/get-credentials.js';
import type { AwsCredentials } from '../../src/core/credentials.js';
import type { Env } from '../../src/core/paths.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';
import {
  makeHome,
  requireEnv,
  ROOT,
  run,
  runCli,
  runCliPty,
  startEnv,
  startStsProxy,
  stripAnsi,
  VALID_MFA_CODE,
  writeUserCredentials,
  type StsProxy,
  type TestEnv,
  type TestHome,
} from '../helpers/index.js';

// The real AWS CLI (botocore) and the JS SDK read credentials from `exec --server`'s endpoint and call STS (moto
// behind the checking proxy of test/helpers, which records every call).

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

const opts = { sts: true, awsCli: true, pty: true };
const available = requireEnv(opts, 'exec --server');
let t: TestEnv;
/** The HOME of the in-process tests (the built CLI's tests use t.home and HOMEs of their own). */
let home: TestHome;
beforeAll(async () => {
  if (!available) return;
  t = await startEnv({ sts: true });
  home = makeHome();
});
afterAll(async () => {
  await t?.stop();
  home?.cleanup();
});

/** What the user's shell would hand to xacct: stale keys and a profile that must not reach the command. */
function userEnv(): Env {
  return {
    ...home.env,
    AWS_CONFIG_FILE: home.path('no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: home.path('no-aws-credentials'),
    AWS_ENDPOINT_URL_STS: t.sts.url,
    AWS_ACCESS_KEY_ID: 'AKIASTALEOUTERKEY000',
    AWS_SECRET_ACCESS_KEY: 'stale',
    AWS_PROFILE: 'outer',
  };
}

const req: CredentialRequest = { profile: 'prod-admin', cache: true, mfaToken: '123456' };

describe.skipIf(!available)('exec --server', () => {
  it('serves the AWS CLI (botocore container provider) through AWS_CONTAINER_CREDENTIALS_FULL_URI', async () => {
    const engine = fakeEngine(3600);
    const out = home.path('cli.out');
    const script = `env | grep -E '^(AWS_|XACCT_)' | sort > "${out}.env"; aws sts get-caller-identity --output json > "${out}"`;
    t.sts.reset();
    const code = await runWithCredentialServer(userEnv(), req, 'sh', ['-c', script], { getCredentials: engine.getCredentials });

    expect(code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toHaveProperty('Account');
    // STS got the call signed with the session the endpoint served the AWS CLI (the engine's second), not the stale keys.
    expect(t.sts.calls).toEqual([expect.objectContaining({ action: 'GetCallerIdentity', accessKeyId: 'ASIAXACCTSERVER0002', hasSessionToken: true, status: 200 })]);
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
    const out = home.path('sdk.out');
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
    const out = home.path('uri.out');
    const code = await runWithCredentialServer(userEnv(), req, 'sh', ['-c', `printf %s "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "${out}"; exit 7`], {
      getCredentials: engine.getCredentials,
    });
    expect(code).toBe(7);
    const url = await readFile(out, 'utf8');
    await expect(fetch(url)).rejects.toThrow();
  });
});

// The same through the built CLI (npm run build first): file backend, long-term keys in ~/.aws/credentials,
// role sessions from moto behind the proxy.

const MAP =
  '[sources.identity]\ndefault = true\nregion = "eu-west-1"\n[sources.mfa]\nmfa_serial = "MFA_SERIAL"\naws_profile = "identity"\n' +
  '[accounts]\nprod = "222222222222"\n[roles]\nadmin = "Admin"\n[profiles.prod-mfa]\nrole_arn = "arn:aws:iam::222222222222:role/Admin"\nsource = "mfa"\n';

/** Role session length of the renewal test, and how long its command runs: more than three sessions. */
const SESSION_SECONDS = 16;
/** With sessions this short (XACCT_UNSAFE_MIN_DURATION_SECONDS), one is reused until a quarter of it is left. */
const REUSE_MARGIN_SECONDS = Math.floor(SESSION_SECONDS / 4);
const RUN_SECONDS = 3 * SESSION_SECONDS + 6;
const CALL_EVERY_SECONDS = 3;
/** Session length of the terminal test: its command sleeps until the first session must be renewed. */
const PTY_SESSION_SECONDS = 20;

describe.skipIf(!available)('xacct exec --server (built CLI)', () => {
  /** A HOME with the profile map and the user's keys (file backend), and the CLI's environment there. */
  const cliHome = (h: Pick<TestEnv, 'home'>, sts: StsProxy) => {
    h.home.write('.config/xacct/config.toml', MAP.replace('MFA_SERIAL', t.user.mfaSerial));
    writeUserCredentials({ home: h.home, user: t.user });
    return { ...h.home.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'test-passphrase', AWS_ENDPOINT_URL_STS: sts.url };
  };
  /** A HOME and an STS proxy of its own, for a test that runs side by side with others. */
  const own = async () => {
    const h = { home: makeHome() };
    const sts = await startStsProxy(t.moto);
    return { home: h.home, sts, env: cliHome(h, sts), stop: async () => (await sts.stop(), h.home.cleanup()) };
  };
  let cliEnv: Record<string, string>;
  beforeAll(() => {
    cliEnv = cliHome(t, t.sts);
  });

  it('gives the AWS CLI credentials through the endpoint, not static keys', async () => {
    t.sts.reset();
    const script = 'env | grep -c "^AWS_ACCESS_KEY_ID=" ; aws sts get-caller-identity --query Arn --output text';
    const result = await runCli(['exec', 'prod-admin', '--server', '--', 'sh', '-c', script], { env: cliEnv });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const [keysInEnv, arn] = result.stdout.trim().split('\n');
    expect(keysInEnv).toBe('0');
    expect(arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/Admin\//);
    // Signed with the role session xacct took (moto would accept any key).
    const [assumed] = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(t.sts.calls.at(-1)).toMatchObject({ action: 'GetCallerIdentity', accessKeyId: assumed!.issued!.accessKeyId, signedWith: 'role-session' });
  });

  it('warns once when the [default] profile has keys that the AWS tools would take instead', async () => {
    const credentials = t.home.path('.aws/credentials');
    const before = await readFile(credentials, 'utf8');
    await writeFile(credentials, `${before}[default]\naws_access_key_id = AKIAOTHERIDENTITY000\naws_secret_access_key = not-used\n`);
    try {
      const result = await runCli(['exec', 'prod-admin', '--server', '--', 'aws', 'sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'], { env: cliEnv });
      expect(result.stderr).toBe(
        `xacct: warning: the [default] profile of ${credentials} has credentials (aws_access_key_id), and the AWS CLI and SDKs use ` +
          "them before exec --server's endpoint: the command may not run as the profile asked for; move them to a named profile\n",
      );
      // What the warning is about: botocore took the [default] keys, not the endpoint's session (moto accepts any key).
      expect(t.sts.calls.at(-1)).toMatchObject({ action: 'GetCallerIdentity', accessKeyId: 'AKIAOTHERIDENTITY000' });
    } finally {
      await writeFile(credentials, before);
    }
  });

  it('a renewal that needs an MFA code with no way to ask answers 500 with the reason at once', async () => {
    // The MFA session must end during the run, which takes ≥ 15 minutes with AWS: the clock of the engine is moved
    // instead, in a process with no terminal (setsid), as exec --server run by a script would be.
    const program = `
      import { runWithCredentialServer } from ${JSON.stringify(join(ROOT, 'dist/app/serve-credentials.js'))};
      import { getCredentials } from ${JSON.stringify(join(ROOT, 'dist/app/get-credentials.js'))};
      import { createContext } from ${JSON.stringify(join(ROOT, 'dist/app/context.js'))};
      let offset = 0;
      const clock = { now: () => new Date(Date.now() + offset) };
      const deps = { createContext: (env, map, o) => ({ ...createContext(env, map, o), clock }) };
      const code = await runWithCredentialServer(process.env, { profile: 'prod-mfa', mfaToken: '${VALID_MFA_CODE}', cache: true }, 'renew', [], {
        getCredentials: (env, req) => getCredentials(env, req, deps),
        runCommand: async (_cmd, _args, childEnv) => {
          offset = 13 * 3600 * 1000; // past the 12 h MFA session
          const started = Date.now();
          const r = await fetch(childEnv.AWS_CONTAINER_CREDENTIALS_FULL_URI, { headers: { Authorization: childEnv.AWS_CONTAINER_AUTHORIZATION_TOKEN } });
          console.log(JSON.stringify({ status: r.status, body: await r.json(), ms: Date.now() - started }));
          return 0;
        },
      });
      process.exitCode = code;
    `;
    t.sts.reset();
    t.sts.singleUseCodes = true; // as AWS: the code of --mfa-token cannot serve the renewal
    try {
      const result = await run(process.execPath, ['--input-type=module', '-e', program], { env: cliEnv });
      expect(result.code, result.stderr).toBe(0);
      const answer = JSON.parse(result.stdout) as { status: number; body: { code: string; message: string }; ms: number };
      const reason = `a new session needs another MFA code for ${t.user.mfaSerial}: the code given with --mfa-token was used already, and there is no terminal to ask for one`;
      expect(answer).toMatchObject({ status: 500, body: { code: 'CredentialsUnavailable', message: reason } });
      expect(answer.ms).toBeLessThan(5000);
      expect(result.stderr).toBe(
        `xacct: could not renew the credentials of prod-mfa: ${reason}; set mfa_process for source 'mfa' so that xacct can get codes itself, or run the command from a terminal\n`,
      );
      // The used code was not sent again: one GetSessionToken (before the command), none for the renewal.
      expect(t.sts.calls.map((c) => c.action)).toEqual(['GetSessionToken', 'AssumeRole']);
    } finally {
      t.sts.singleUseCodes = false;
    }
  });

  // The two below wait for sessions to run out: they run side by side, each with a HOME and an STS proxy of its own.

  it.concurrent(
    'a command that outlives three role sessions keeps calling STS: each session is renewed as its end nears',
    async () => {
      const o = await own();
      try {
        o.sts.minDurationSeconds = SESSION_SECONDS;
        const out = o.home.path('renewals');
        await mkdir(out, { recursive: true });
        // A shell loop with the AWS CLI (a new process each time) and a long-lived JS SDK client, side by side.
        const cliLoop = `
          end=$(( $(date +%s) + ${RUN_SECONDS} ))
          while [ "$(date +%s)" -lt "$end" ]; do
            aws sts get-caller-identity --query Arn --output text >> "${out}/cli.log" || exit 1
            sleep ${CALL_EVERY_SECONDS}
          done`;
        const sdkLoop = `
          import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
          import { appendFileSync } from 'node:fs';
          const sts = new STSClient({});
          const end = Date.now() + ${RUN_SECONDS * 1000};
          while (Date.now() < end) {
            const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
            const c = await sts.config.credentials();
            appendFileSync(${JSON.stringify(`${out}/sdk.log`)}, JSON.stringify({ at: Date.now(), arn: Arn, key: c.accessKeyId, expiration: c.expiration }) + '\\n');
            await new Promise((r) => setTimeout(r, ${CALL_EVERY_SECONDS * 1000}));
          }`;
        const script = `${process.execPath} --input-type=module -e "$SDK_LOOP" & sdk=$!; ${cliLoop}
          wait $sdk`;
        const started = Date.now();
        const result = await runCli(['exec', 'prod-admin', '--server', '--duration', String(SESSION_SECONDS), '--', 'sh', '-c', script], {
          env: { ...o.env, XACCT_UNSAFE_MIN_DURATION_SECONDS: String(SESSION_SECONDS), SDK_LOOP: sdkLoop },
          timeoutMs: (RUN_SECONDS + 30) * 1000,
        });
        const ranMs = Date.now() - started;
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toBe('');
        expect(ranMs).toBeGreaterThan(3 * SESSION_SECONDS * 1000);

        const assumed = o.sts.calls.filter((c) => c.action === 'AssumeRole');
        const identities = o.sts.calls.filter((c) => c.action === 'GetCallerIdentity');
        // Every call succeeded, from both programs (~15 each).
        expect(identities.length).toBeGreaterThanOrEqual((2 * RUN_SECONDS) / (CALL_EVERY_SECONDS + 1.5));
        expect(identities.every((c) => c.status === 200)).toBe(true);
        expect((await readFile(`${out}/cli.log`, 'utf8')).trim().split('\n').every((arn) => arn.includes(':assumed-role/Admin/'))).toBe(true);
        // Renewed when a session neared its end: one AssumeRole per SESSION - MARGIN seconds (a session is reused until
        // the margin is left), not one per request.
        expect(assumed.every((c) => c.status === 200 && c.durationSeconds === SESSION_SECONDS)).toBe(true);
        expect(assumed.length).toBeGreaterThanOrEqual(4);
        expect(assumed.length).toBeLessThanOrEqual(Math.ceil(ranMs / 1000 / (SESSION_SECONDS - REUSE_MARGIN_SECONDS)) + 1);
        // Each call was signed with a session from the proxy's AssumeRole answers, before that session expired.
        const expiry = new Map(assumed.map((c) => [c.issued!.accessKeyId, Date.parse(c.issued!.expiration)]));
        for (const call of identities) {
          expect(expiry.has(call.accessKeyId!)).toBe(true);
          expect(expiry.get(call.accessKeyId!)!).toBeGreaterThan(call.at);
        }
        // Both programs saw the credentials change at least three times.
        expect(new Set(identities.map((c) => c.accessKeyId)).size).toBeGreaterThanOrEqual(4);
        const sdkKeys = (await readFile(`${out}/sdk.log`, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { key: string }).key);
        expect(new Set(sdkKeys).size).toBeGreaterThanOrEqual(4);
      } finally {
        await o.stop();
      }
    },
    (RUN_SECONDS + 40) * 1000,
  );

  it.concurrent('on a terminal: the status line shows while the first session is taken, never over the command during renewals', async () => {
    const o = await own(); // a new HOME: the first session is taken, not read from the cache
    try {
      o.sts.minDurationSeconds = PTY_SESSION_SECONDS;
      o.sts.inject({ action: 'AssumeRole', delayMs: 1500, times: 2 });
      const script = `echo COMMAND-STARTED; sleep ${PTY_SESSION_SECONDS - 3}; aws sts get-caller-identity --query Account --output text; echo COMMAND-DONE`;
      const p = runCliPty(['exec', 'prod-admin', '--server', '--duration', String(PTY_SESSION_SECONDS), '--', 'sh', '-c', script], {
        env: { ...o.env, TERM: 'xterm-256color', XACCT_UNSAFE_MIN_DURATION_SECONDS: String(PTY_SESSION_SECONDS) },
      });
      const r = await p.result(60_000);
      expect(r.code, stripAnsi(r.transcript)).toBe(0);
      const [before, during] = r.transcript.split('COMMAND-STARTED');
      expect(before).toContain('Assuming arn:aws:iam::222222222222:role/Admin…');
      expect(stripAnsi(during!)).toMatch(/^\n222222222222\nCOMMAND-DONE\n$/);
      // The renewal (delayed by the proxy like the first one) happened while the command ran.
      expect(o.sts.count('AssumeRole')).toBe(2);
    } finally {
      await o.stop();
    }
  }, 60_000);
});
