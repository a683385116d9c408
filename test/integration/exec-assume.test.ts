/**
 * exec and assume of the built CLI (npm run build first) with the real credential engine: the source's keys in
 * ~/.aws/credentials, STS from moto behind the checking proxy (moto returns the role asked for, so the ARN shows
 * account 222222222222), sessions cached by the `file` backend (the keychain has tests of its own; these need
 * no D-Bus session).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv, run, runCli, runCliPty, startEnv, VALID_MFA_CODE, writeUserCredentials, XACCT_BIN, type Env, type TestEnv } from '../helpers/index.js';

const opts = { sts: true, awsCli: true, pty: true };
const ROLE_ARN = /^arn:aws:sts::222222222222:assumed-role\/OrganizationAccountAccessRole\/[\w+=,.@-]+$/;
const NOTE = /xacct: entering prod-admin \(arn:aws:iam::222222222222:role\/OrganizationAccountAccessRole\), expires at \d\d:\d\d \(in [\dhm]+\); exit to leave/;

describe.skipIf(!requireEnv(opts, 'exec and assume'))('exec and assume', () => {
  let t: TestEnv;
  /** What a user's shell may hold besides: none of it may reach the command. */
  let env: Env;
  const cli = (args: string[], extra: Env = {}, input?: string) => runCli(args, { env: { ...env, ...extra }, ...(input ? { input } : {}) });

  beforeAll(async () => {
    t = await startEnv(opts);
    t.home.write(
      '.config/xacct/config.toml',
      `default_profile = "prod-admin"

[sources.identity]
mfa_serial = "${t.user.mfaSerial}"
region = "eu-west-1"

[accounts]
prod = "222222222222"

[roles]
admin = "OrganizationAccountAccessRole"
`,
    );
    writeUserCredentials(t);
    env = { ...t.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'exec-assume-test', AWS_PROFILE: 'outer', AWS_ACCESS_KEY_ID: 'AKIASTALEOUTERKEY000', AWS_SECRET_ACCESS_KEY: 'stale' };
    // The first exec takes the MFA session and the role session; the tests below use the cached ones.
    const first = await cli(['exec', 'prod-admin', '--mfa-token', VALID_MFA_CODE, '--', 'true']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
  });
  afterAll(() => t?.stop());

  function envLines(stdout: string): Record<string, string> {
    return Object.fromEntries(stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  describe('xacct exec', () => {
    it('runs the AWS CLI as the assumed role in account 222222222222', async () => {
      const r = await cli(['exec', 'prod-admin', '--mfa-token', VALID_MFA_CODE, '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const identity = JSON.parse(r.stdout) as { Account: string; Arn: string };
      expect(identity.Account).toBe('222222222222');
      expect(identity.Arn).toMatch(ROLE_ARN);
    });

    it("gives the command the session's variables and none of the outer credentials (default_profile)", async () => {
      const r = await cli(['exec', '--', 'env']);
      expect(r.code).toBe(0);
      const seen = envLines(r.stdout);
      // The role session STS issued for prod-admin (cached since the first exec), nothing of the outer shell's.
      const issued = t.sts.calls.filter((c) => c.action === 'AssumeRole' && c.status === 200).map((c) => c.issued!);
      const session = issued.find((i) => i.accessKeyId === seen.AWS_ACCESS_KEY_ID);
      expect(session, `AWS_ACCESS_KEY_ID=${seen.AWS_ACCESS_KEY_ID} is not a key STS issued`).toBeDefined();
      // moto writes microseconds; the SDK rounds them to milliseconds where Date.parse truncates them.
      expect(Math.abs(Date.parse(seen.AWS_CREDENTIAL_EXPIRATION!) - Date.parse(session!.expiration))).toBeLessThanOrEqual(1);
      expect(seen.AWS_SECRET_ACCESS_KEY).toMatch(/^\S{20,}$/);
      expect(seen.AWS_SECRET_ACCESS_KEY).not.toBe('stale');
      expect(seen.AWS_SESSION_TOKEN).toMatch(/^\S{20,}$/);
      expect(seen.AWS_REGION).toBe('eu-west-1');
      expect(seen.AWS_DEFAULT_REGION).toBe('eu-west-1');
      expect(seen.XACCT_PROFILE).toBe('prod-admin');
      expect(seen).not.toHaveProperty('AWS_PROFILE');
    });

    it("passes the command's own options through and returns its exit code", async () => {
      const r = await cli(['exec', 'prod-admin', '--region', 'us-west-2', '--', 'sh', '-c', 'echo "$AWS_REGION $*"; exit 3', 'sh', '--region', 'x', '--help', '--']);
      expect(r.stdout).toBe('us-west-2 --region x --help --\n');
      expect(r.code).toBe(3);
    });

    it('returns 128 + N when the command dies of signal N', async () => {
      expect((await cli(['exec', '--', 'sh', '-c', 'kill -TERM $$'])).code).toBe(143);
    });

    it('says when the command does not exist, with 127', async () => {
      const r = await cli(['exec', '--', 'xacct-no-such-command', 'arg']);
      expect(r.code).toBe(127);
      expect(r.stderr).toBe('xacct: command not found: xacct-no-such-command\n');
    });

    it('refuses to nest inside a session, unless --force', async () => {
      const nested = await cli(['exec', '--', 'true'], { XACCT_PROFILE: 'prod-admin' });
      expect(nested.code).toBe(2);
      expect(nested.stderr).toMatch(/^xacct: already inside an xacct session \(prod-admin\)\nxacct: .*--force/);
      expect((await cli(['exec', '--force', '--', 'true'], { XACCT_PROFILE: 'prod-admin' })).code).toBe(0);
    });

    it('asks for -- before the command', async () => {
      const r = await cli(['exec', 'prod-admin', 'aws', 'sts']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('xacct exec prod-admin -- aws sts');
    });

    it('without a command: a usage error that points to assume for a shell', async () => {
      const r = await cli(['exec', 'prod-admin']);
      expect(r).toMatchObject({ code: 2, stdout: '' });
      expect(r.stderr).toBe('xacct: no command given\nxacct: give it after --: xacct exec prod-admin -- <command> [args...]; for a shell with the credentials: xacct assume prod-admin\n');
    });

    it('passes Ctrl-C at the terminal to the command once, and returns its code', async () => {
      // Counts the SIGINTs it gets for half a second after the first, then exits 42.
      const child = t.home.write(
        'count-interrupts.cjs',
        `let n = 0;
         process.on('SIGINT', () => { if (n++ === 0) setTimeout(() => { console.log('interrupts ' + n); process.exit(42); }, 500); });
         console.log('ready');
         setInterval(() => {}, 1000);`,
      );
      const pty = runCliPty(['exec', '--', process.execPath, child], { env });
      await pty.expect(/ready/);
      pty.write('\x03');
      const r = await pty.result();
      expect(r.transcript).toMatch(/interrupts 1\b/);
      expect(r.code).toBe(42);
    });
  });

  describe('xacct assume', () => {
    it('starts $SHELL with the session, says so on stderr, returns its code', async () => {
      const r = await cli(['assume', 'prod-admin'], { SHELL: '/bin/sh' }, 'echo "in $XACCT_PROFILE"; exit 4\n');
      expect(r.code).toBe(4);
      expect(r.stdout).toBe('in prod-admin\n');
      expect(r.stderr).toMatch(new RegExp(`^${NOTE.source}\\n$`));
    });

    it('an interactive shell: Ctrl-C at its prompt does not end xacct, exit does', async () => {
      const pty = runCliPty(['assume'], { env: { ...env, SHELL: '/bin/sh', PS1: '$ ' } });
      await pty.expect(NOTE);
      pty.write('echo "in=$XACCT_PROFILE"\r');
      await pty.expect(/in=prod-admin/);
      pty.write('\x03');
      await pty.expect(/\^C\s*\$ /); // the shell dropped the line and prompts again: xacct is still there
      pty.write('exit 6\r');
      expect((await pty.result()).code).toBe(6);
    });

    it('prints statements for eval that make the AWS CLI the assumed role', async () => {
      const script = `xacct() { "${process.execPath}" "${XACCT_BIN}" "$@"; }
        eval "$(xacct assume prod-admin --export)" || exit 9
        echo "$XACCT_PROFILE \${AWS_PROFILE-unset}"
        aws sts get-caller-identity --query Arn --output text`;
      const r = await run('bash', ['-c', script], { env: { ...env, SHELL: '/bin/bash' } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const [first, arn] = r.stdout.trim().split('\n');
      expect(first).toBe('prod-admin unset');
      expect(arn).toMatch(ROLE_ARN);
    });

    it('chooses the dialect from $SHELL, or as given', async () => {
      const fish = await cli(['assume', '--export'], { SHELL: '/usr/bin/fish' });
      expect(fish.stdout).toMatch(/^set -e AWS_PROFILE; or true$/m);
      expect(fish.stdout).toMatch(/^set -gx XACCT_PROFILE 'prod-admin'$/m);
      const pwsh = await cli(['assume', 'prod-admin', '--export', 'powershell'], { SHELL: '/bin/bash' });
      expect(pwsh.stdout).toMatch(/^\$Env:XACCT_PROFILE = 'prod-admin'$/m);
      const profileAfterExport = await cli(['assume', '--export', 'prod-admin'], { SHELL: '/bin/zsh' });
      expect(profileAfterExport.stdout).toMatch(/^export XACCT_PROFILE='prod-admin'$/m);
    });

    it('refuses to nest, unless --force', async () => {
      const r = await cli(['assume', '--export'], { XACCT_PROFILE: 'prod-admin' });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect((await cli(['assume', '--export', '--force'], { XACCT_PROFILE: 'prod-admin' })).code).toBe(0);
    });
  });
});
