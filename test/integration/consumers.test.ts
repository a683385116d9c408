/**
 * The real consumers of `credential_process = xacct credential-process <profile>`: the AWS CLI (which captures the
 * process's stdout and stderr) and the AWS SDK for JavaScript (`fromProcess`), with `xacct` on PATH as after an
 * install, a private GNOME Keyring and moto behind the counting STS proxy (npm run build first).
 * What a user sees is checked (the AWS CLI's output, the MFA prompt on the terminal), and what STS received:
 * the AWS tool's own GetCallerIdentity must be signed with the role session xacct obtained.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  requireEnv,
  run,
  runCli,
  setupIdentity,
  spawnPty,
  startEnv,
  stripAnsi,
  VALID_MFA_CODE,
  withXacctOnPath,
  type Env,
  type RunResult,
  type StsCall,
  type TestEnv,
} from '../helpers/index.js';

const opts = { keyring: true, sts: true, awsCli: true, pty: true };
const PROD_ROLE = 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole';
const PROD_ASSUMED = /^arn:aws:sts::222222222222:assumed-role\/OrganizationAccountAccessRole\/[\w+=,.@-]+$/;
const PROMPT = /Enter MFA code for arn:aws:iam::\d{12}:mfa\/alice \(identity\): /;

/** A node program using the AWS SDK as an application does: credentials from `fromProcess`, STS through the proxy. */
const SDK_PROGRAM = `
const { fromProcess } = require('@aws-sdk/credential-providers');
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const client = new STSClient({
  region: 'eu-west-1',
  endpoint: process.env.AWS_ENDPOINT_URL_STS,
  credentials: fromProcess({ profile: 'prod-admin' }),
});
client.send(new GetCallerIdentityCommand({})).then(
  (id) => process.stdout.write(JSON.stringify({ Account: id.Account, Arn: id.Arn }) + '\\n'),
  (err) => { process.stderr.write(String(err && err.message) + '\\n'); process.exit(1); },
);
`;

describe.skipIf(!requireEnv(opts, 'the AWS CLI and SDK as consumers of credential_process'))('credential_process consumers', () => {
  let t: TestEnv;
  /** t.env with the `xacct` wrapper first on PATH. */
  let env: Env;
  let profileMap: string;

  const xacct = (args: string[], extra: Env = {}) => runCli(args, { env: { ...env, ...extra } });
  const aws = (args: string[]) => run('aws', ['sts', 'get-caller-identity', '--output', 'json', ...args], { env, timeoutMs: 60_000 });
  const calls = (action: string) => t.sts.calls.filter((c) => c.action === action);

  /** The AWS tool's GetCallerIdentity must be signed with the key of the role session STS issued for prod-admin. */
  function expectSignedWithProdSession(identityCalls: StsCall[]) {
    const assumed = calls('AssumeRole').find((c) => c.roleArn === PROD_ROLE && c.status === 200);
    expect(assumed, 'no successful AssumeRole of prod-admin').toBeDefined();
    expect(identityCalls.length).toBeGreaterThan(0);
    for (const c of identityCalls) expect(c).toMatchObject({ accessKeyId: assumed!.issued!.accessKeyId, signedWith: 'role-session', status: 200 });
  }

  function expectProdIdentity(r: RunResult) {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const identity = JSON.parse(r.stdout) as { Account: string; Arn: string };
    expect(identity.Account).toBe('222222222222');
    expect(identity.Arn).toMatch(PROD_ASSUMED);
  }

  beforeAll(async () => {
    t = await startEnv(opts);
    profileMap = await setupIdentity(t);
    // As after an install: the AWS config names plain `xacct`, found on PATH.
    env = withXacctOnPath(t, t.env);
    t.home.write(
      '.aws/config',
      [
        '[profile prod-admin]',
        'credential_process = xacct credential-process prod-admin',
        'region = eu-west-1',
        '',
        '[profile staging-admin]',
        'credential_process = xacct credential-process staging-admin',
        'region = eu-west-1',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => t?.stop());

  beforeEach(async () => {
    expect((await xacct(['clear'])).code).toBe(0);
    t.sts.reset();
    t.sts.validCodes = new Set([VALID_MFA_CODE]);
  });

  /** An MFA session cached as a person leaves it after their first command of the day (credential_process cannot be given a code). */
  async function cacheMfaSession() {
    const r = await xacct(['credential-process', 'staging-admin', '--mfa-token', VALID_MFA_CODE]);
    expect(r.code).toBe(0);
    t.sts.reset();
  }

  it('aws --profile prod-admin: xacct assumes the role from the cached MFA session, and the AWS CLI uses that session', async () => {
    await cacheMfaSession();
    expectProdIdentity(await aws(['--profile', 'prod-admin']));
    expect(t.sts.count('GetSessionToken')).toBe(0);
    expect(calls('AssumeRole')).toEqual([
      expect.objectContaining({ roleArn: PROD_ROLE, signedWith: 'mfa-session', durationSeconds: 3600, region: 'eu-west-1', status: 200 }),
    ]);
    expectSignedWithProdSession(calls('GetCallerIdentity'));

    // The next AWS CLI command is served the cached role session: no STS call of xacct's.
    const identityBefore = calls('GetCallerIdentity').length;
    expectProdIdentity(await aws(['--profile', 'prod-admin']));
    expect(t.sts.count('AssumeRole')).toBe(1);
    expectSignedWithProdSession(calls('GetCallerIdentity').slice(identityBefore));
  });

  it("the JS SDK's fromProcess runs xacct from ~/.aws/config and signs its STS call with the role session", async () => {
    await cacheMfaSession();
    const r = await run(process.execPath, ['-e', SDK_PROGRAM], { env, timeoutMs: 60_000 });
    expectProdIdentity(r);
    expect(calls('AssumeRole')).toEqual([expect.objectContaining({ roleArn: PROD_ROLE, signedWith: 'mfa-session', status: 200 })]);
    expectSignedWithProdSession(calls('GetCallerIdentity'));
  });

  describe('the MFA prompt on the terminal while the AWS CLI captures stdout and stderr', () => {
    const awsAtTerminal = () =>
      spawnPty('aws', ['sts', 'get-caller-identity', '--profile', 'prod-admin', '--query', 'Arn', '--output', 'text'], { env, mode: 'tty' });

    it('asks for the code on /dev/tty; the AWS CLI then prints the identity', async () => {
      const term = awsAtTerminal();
      await term.expect(PROMPT, 30_000);
      term.write(`${VALID_MFA_CODE}\r`);
      const r = await term.result(60_000);
      const screen = stripAnsi(r.transcript);
      expect(r.code, screen).toBe(0);
      expect(screen).toMatch(/^arn:aws:sts::222222222222:assumed-role\/OrganizationAccountAccessRole\/[\w+=,.@-]+$/m);
      expect(screen).not.toMatch(/error|Error/);
      expect(calls('GetSessionToken')).toEqual([expect.objectContaining({ tokenCode: VALID_MFA_CODE, region: 'eu-west-1', status: 200 })]);
      expect(calls('AssumeRole')).toEqual([expect.objectContaining({ roleArn: PROD_ROLE, signedWith: 'mfa-session', status: 200 })]);
      expectSignedWithProdSession(calls('GetCallerIdentity'));
    });

    it('a code AWS refuses is asked for again, on the same terminal', async () => {
      t.sts.validCodes = new Set(['246810']);
      const term = awsAtTerminal();
      await term.expect(PROMPT, 30_000);
      term.write(`${VALID_MFA_CODE}\r`);
      await term.expect(/AWS refused that code; wait for the next one\.\s*/);
      await term.expect(PROMPT);
      term.write('246810\r');
      const r = await term.result(60_000);
      const screen = stripAnsi(r.transcript);
      expect(r.code, screen).toBe(0);
      expect(screen).toMatch(/^arn:aws:sts::222222222222:assumed-role\/OrganizationAccountAccessRole\/\S+$/m);
      expect(calls('GetSessionToken').map((c) => [c.tokenCode, c.status, c.errorCode])).toEqual([
        [VALID_MFA_CODE, 403, 'AccessDenied'],
        ['246810', 200, undefined],
      ]);
      expect(t.sts.count('AssumeRole')).toBe(1);
    });
  });

  it('8 AWS CLI commands at once on a cold cache, with mfa_process: one GetSessionToken and one AssumeRole', async () => {
    const original = (await import('node:fs')).readFileSync(profileMap, 'utf8');
    t.home.write('.config/xacct/config.toml', original.replace('region = "eu-west-1"', 'region = "eu-west-1"\nmfa_process = "echo 123456"'));
    t.sts.singleUseCodes = true; // as AWS: a second GetSessionToken with the same code would be refused
    try {
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 8 }, () => aws(['--profile', 'prod-admin'])));
      const wallMs = Date.now() - started;
      for (const r of results) expectProdIdentity(r);
      expect(calls('GetSessionToken')).toEqual([expect.objectContaining({ tokenCode: '123456', status: 200 })]);
      expect(calls('AssumeRole')).toEqual([expect.objectContaining({ roleArn: PROD_ROLE, signedWith: 'mfa-session', status: 200 })]);
      expect(calls('GetCallerIdentity')).toHaveLength(8);
      expectSignedWithProdSession(calls('GetCallerIdentity'));
      console.info(`consumers: 8 cold aws sts get-caller-identity at once took ${wallMs} ms; STS saw 1 GetSessionToken, 1 AssumeRole`);
    } finally {
      t.sts.singleUseCodes = false;
      t.home.write('.config/xacct/config.toml', original);
    }
  });
});
