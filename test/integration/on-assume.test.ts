/**
 * `on_assume` of the profile map through the built CLI: run after each new role session (not for cached ones),
 * told about the session in XACCT_* variables, never given a secret, its output on stderr so that
 * credential-process's stdout stays JSON, and its failure only a warning.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireEnv, runCli, startEnv, writeUserCredentials, type Env, type TestEnv } from '../helpers/index.js';

const opts = { sts: true };
const JSON_LINE = /^\{"Version":1,"AccessKeyId":"ASIA\w+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"[^"]+"\}\n$/;

interface ProcessCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

describe.skipIf(!requireEnv(opts, 'on_assume'))('on_assume', () => {
  let t: TestEnv;
  let hookDir: string;
  const writeMap = (onAssume: string) =>
    t.home.write(
      '.config/xacct/config.toml',
      `on_assume = ${JSON.stringify(onAssume)}\n\n[sources.identity]\nregion = "eu-west-1"\n\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "Admin"\n`,
    );
  const cli = (args: string[], extra: Env = {}) =>
    runCli(args, {
      env: {
        ...t.env,
        XACCT_BACKEND: 'file',
        XACCT_FILE_PASSPHRASE: 'file-passphrase-secret',
        // What a user's shell may hold: xacct does not use them here, and the command must not see them.
        AWS_ACCESS_KEY_ID: 'AKIAOUTERSHELLKEY000',
        AWS_SECRET_ACCESS_KEY: 'outer-shell-secret-value',
        HOOK_DIR: hookDir,
        ...extra,
      },
      input: 'typed-into-stdin\n',
    });
  const runs = () => (existsSync(`${hookDir}/runs.log`) ? readFileSync(`${hookDir}/runs.log`, 'utf8').trim().split('\n') : []);

  beforeAll(async () => {
    t = await startEnv(opts);
    hookDir = t.home.path('hook');
    t.home.write('hook/.keep', '');
    writeUserCredentials(t);
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    rmSync(`${hookDir}/runs.log`, { force: true });
    expect((await cli(['clear'])).code).toBe(0);
    t.sts.reset();
  });

  it('runs after a new role session with the XACCT_* variables, output on stderr, no secret, stdin empty', async () => {
    writeMap(
      'echo "$XACCT_PROFILE" >> "$HOOK_DIR/runs.log"; env > "$HOOK_DIR/env.txt"; read -r line; echo "hook says: stdin=[$line]"; echo "hook error stream" >&2',
    );
    const r = await cli(['credential-process', 'prod-admin']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(JSON_LINE);
    expect(r.stderr).toBe('hook says: stdin=[]\nhook error stream\n');
    const creds = JSON.parse(r.stdout) as ProcessCredentials;

    const env = Object.fromEntries(
      readFileSync(`${hookDir}/env.txt`, 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const [assume] = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(env).toMatchObject({
      XACCT_PROFILE: 'prod-admin',
      XACCT_ACCOUNT_ID: '222222222222',
      XACCT_ACCOUNT_NAME: 'prod',
      XACCT_ROLE_ARN: 'arn:aws:iam::222222222222:role/Admin',
      XACCT_ROLE_SESSION_NAME: assume!.roleSessionName,
      XACCT_EXPIRATION: new Date(creds.Expiration).toISOString(),
    });
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'XACCT_FILE_PASSPHRASE']) expect(env).not.toHaveProperty(name);
    const dump = readFileSync(`${hookDir}/env.txt`, 'utf8');
    for (const secret of [creds.SecretAccessKey, creds.SessionToken, t.user.secretAccessKey, 'outer-shell-secret-value', 'file-passphrase-secret']) {
      expect(dump).not.toContain(secret);
    }
  });

  it('does not run for a cached session, and runs again for the next new one', async () => {
    writeMap('echo "$XACCT_PROFILE $XACCT_EXPIRATION" >> "$HOOK_DIR/runs.log"');
    expect((await cli(['credential-process', 'prod-admin'])).code).toBe(0);
    expect((await cli(['credential-process', 'prod-admin'])).code).toBe(0);
    expect(runs()).toHaveLength(1);
    expect(t.sts.count('AssumeRole')).toBe(1);
    const r = await cli(['credential-process', 'prod-admin', '--no-cache']);
    expect(r.stdout).toMatch(JSON_LINE);
    expect(runs()).toHaveLength(2);
    expect(t.sts.count('AssumeRole')).toBe(2);
  });

  it('a failing command is one warning line; the session is still printed, exit 0', async () => {
    writeMap('echo "$XACCT_PROFILE" >> "$HOOK_DIR/runs.log"; exit 3');
    const r = await cli(['credential-process', 'prod-admin']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(JSON_LINE);
    expect(r.stderr).toBe('xacct: warning: on_assume (echo) failed with exit code 3; the session of prod-admin is still used\n');
    expect(runs()).toEqual(['prod-admin']);
  });

  it('a command that cannot be found is a warning too', async () => {
    writeMap('no-such-notifier --channel ops');
    const r = await cli(['credential-process', 'prod-admin']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(JSON_LINE);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('xacct: warning: on_assume (no-such-notifier) failed with exit code 127; the session of prod-admin is still used');
    expect(r.stderr).not.toContain('--channel');
  });
});
