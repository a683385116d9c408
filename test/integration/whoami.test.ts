/**
 * `xacct whoami` through the built CLI against moto (behind the checking proxy), and what a person sees around it
 * on a terminal: the profile picker when no profile is named, and the status line while STS is called.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireEnv, runCli, runCliPty, startEnv, stripAnsi, VALID_MFA_CODE, withXacctOnPath, writeUserCredentials, type Env, type TestEnv } from '../helpers/index.js';

const opts = { sts: true, pty: true };
const CLEAR_LINE = '\r\x1b[2K';

/** What stays on the terminal: each line from its last "clear line", escape sequences removed. */
const screenOf = (transcript: string) =>
  transcript
    .split('\n')
    .map((line) => stripAnsi(line.slice(line.lastIndexOf(CLEAR_LINE) < 0 ? 0 : line.lastIndexOf(CLEAR_LINE) + CLEAR_LINE.length)))
    .join('\n');

describe.skipIf(!requireEnv(opts, 'whoami'))('xacct whoami', () => {
  let t: TestEnv;
  let env: Env;
  const cli = (args: string[], extra: Env = {}) => runCli(args, { env: { ...env, ...extra } });

  beforeAll(async () => {
    t = await startEnv(opts);
    t.home.write(
      '.config/xacct/config.toml',
      `[sources.identity]\ndefault = true\nregion = "eu-west-1"\n\n[sources.mfa]\nmfa_serial = "${t.user.mfaSerial}"\naws_profile = "identity"\n\n` +
        '[accounts]\nprod = "222222222222"\nstaging = "333333333333"\n\n[roles]\nadmin = "Admin"\n\n' +
        '[profiles.prod-mfa]\nrole_arn = "arn:aws:iam::222222222222:role/Admin"\nsource = "mfa"\n',
    );
    writeUserCredentials(t);
    env = { ...t.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'test-passphrase', TERM: 'xterm-256color' };
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    expect((await cli(['clear'])).code).toBe(0);
    t.sts.reset();
  });

  const assumedArn = () => {
    const [assume] = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    return `arn:aws:sts::222222222222:assumed-role/Admin/${assume!.roleSessionName}`;
  };

  it("prints the account, ARN and user id of the profile's role session", async () => {
    const r = await cli(['whoami', 'prod-admin']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/));
    expect(lines.map((l) => l[0])).toEqual(['Profile', 'Account', 'ARN', 'UserId']);
    expect(lines[0]![1]).toBe('prod-admin');
    expect(lines[1]![1]).toBe('222222222222');
    expect(lines[2]![1]).toBe(assumedArn());
    expect(lines[3]![1]).toMatch(/^AROA\w+:/);
    // Asked with the role session, in the region of the profile's source.
    const [assume] = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    const [identity] = t.sts.calls.filter((c) => c.action === 'GetCallerIdentity');
    expect(identity).toMatchObject({ accessKeyId: assume!.issued!.accessKeyId, signedWith: 'role-session', region: 'eu-west-1', status: 200 });
  });

  it('--json prints {account, arn, userId, profile}; --region chooses the STS region', async () => {
    const r = await cli(['whoami', 'staging-admin', '--json', '--region', 'us-west-2']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(out)).toEqual(['account', 'arn', 'userId', 'profile']);
    expect(out).toMatchObject({ account: '333333333333', profile: 'staging-admin' });
    expect(out.arn).toMatch(/^arn:aws:sts::333333333333:assumed-role\/Admin\//);
    expect(t.sts.calls.find((c) => c.action === 'GetCallerIdentity')).toMatchObject({ region: 'us-west-2' });
  });

  it("inside a session, no profile means the session's: exec prod-admin -- xacct whoami --json names prod's account", async () => {
    const r = await runCli(['exec', 'prod-admin', '--', 'xacct', 'whoami', '--json'], { env: withXacctOnPath(t, env) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ account: '222222222222', profile: 'prod-admin' });
    // Asked with the session's own credentials (the file backend's passphrase does not reach the command).
    const [assume] = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(t.sts.calls.filter((c) => c.action === 'GetCallerIdentity')).toEqual([expect.objectContaining({ accessKeyId: assume!.issued!.accessKeyId, status: 200 })]);
    // A session profile this map does not know is named, not replaced by another.
    const unknown = await cli(['whoami'], { XACCT_PROFILE: 'gone-admin' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^xacct: no profile given, and the profile of this xacct session, 'gone-admin' \(XACCT_PROFILE\), is not a profile of the profile map\n/);
  });

  it('fails like every command when AWS refuses, exit 1, one line', async () => {
    t.sts.inject({ action: 'GetCallerIdentity', error: 'ExpiredToken' });
    const r = await cli(['whoami', 'prod-admin']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^xacct: .*expired/i);
  });

  it('without a profile, a default_profile or a terminal: a usage error that lists the profiles', async () => {
    const r = await cli(['whoami']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'xacct: no profile given, and the profile map sets no default_profile\nxacct: profiles: prod-admin, prod-mfa, staging-admin\n',
    );
  });

  describe('on a terminal', () => {
    it('asks with the profile picker when no profile is named, stdout on the terminal', async () => {
      const p = runCliPty(['whoami'], { env });
      await p.expect(/Profile \(type to search/);
      await p.expect('staging-admin');
      p.write('stag');
      await new Promise((r) => setTimeout(r, 300));
      p.write('\r');
      const r = await p.result();
      expect(r.code).toBe(0);
      expect(stripAnsi(r.transcript)).toMatch(/Account\s+333333333333\n/);
    });

    it('asks on the terminal when stdout is a pipe too, and prints only the answer there', async () => {
      const p = runCliPty(['whoami', '--json'], { env, mode: 'pipes' });
      await p.expect(/Profile \(type to search/);
      p.write('prod-ad');
      await new Promise((r) => setTimeout(r, 300));
      p.write('\r');
      const r = await p.result();
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ account: '222222222222', profile: 'prod-admin' });
    // Asked with the session's own credentials (the file backend's passphrase does not reach the command).
    const [assume] = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(t.sts.calls.filter((c) => c.action === 'GetCallerIdentity')).toEqual([expect.objectContaining({ accessKeyId: assume!.issued!.accessKeyId, status: 200 })]);
    });

    it('credential-process never asks: a tool runs it, and it gets the usage error', async () => {
      const p = runCliPty(['credential-process'], { env, mode: 'pipes' });
      const r = await p.result();
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('xacct: no profile given, and the profile map sets no default_profile\nxacct: profiles: prod-admin, prod-mfa, staging-admin\n');
      expect(stripAnsi(r.transcript)).not.toContain('Profile');
    });

    it('shows a status line while STS is slow, and erases it before the output', async () => {
      t.sts.inject({ action: 'AssumeRole', delayMs: 1200 });
      const r = await runCliPty(['whoami', 'prod-admin'], { env }).result();
      expect(r.code).toBe(0);
      const status = `${CLEAR_LINE}⠋ Assuming arn:aws:iam::222222222222:role/Admin…`;
      expect(r.transcript).toContain(status);
      // Erased (the line cleared after the last frame) before anything else is written.
      const afterStatus = r.transcript.slice(r.transcript.lastIndexOf('Assuming'));
      expect(afterStatus.startsWith(`Assuming arn:aws:iam::222222222222:role/Admin…${CLEAR_LINE}`)).toBe(true);
      expect(afterStatus.replaceAll(CLEAR_LINE, '')).toMatch(/^Assuming arn:aws:iam::222222222222:role\/Admin…Profile /);
      expect(screenOf(r.transcript)).toMatch(/^Profile {2}prod-admin\nAccount {2}222222222222\n/);
    });

    it('the status line comes after the MFA prompt, never over it', async () => {
      t.sts.inject({ action: 'GetSessionToken', delayMs: 1200 });
      const p = runCliPty(['whoami', 'prod-mfa'], { env });
      await p.expect(/Enter MFA code for .* \(mfa\): $/);
      expect(p.transcript).not.toContain('⠋');
      p.write(`${VALID_MFA_CODE}\r`);
      await p.expect('Getting an MFA session…');
      const r = await p.result();
      expect(r.code).toBe(0);
      const screen = screenOf(r.transcript);
      expect(screen).not.toContain('Getting an MFA session');
      expect(screen).toMatch(/Enter MFA code for .* \(mfa\): \d{6}\r?\nProfile {2}prod-mfa\n/);
    });

    it('no status line when stderr is not a terminal', async () => {
      t.sts.inject({ action: 'AssumeRole', delayMs: 1200 });
      const piped = await runCliPty(['whoami', 'prod-admin'], { env, mode: 'pipes' }).result();
      expect(piped.code).toBe(0);
      expect(piped.stderr).toBe('');
      expect(piped.transcript).not.toContain('Assuming');
      t.sts.inject({ action: 'AssumeRole', delayMs: 1200 });
      const none = await cli(['whoami', 'prod-admin', '--no-cache']);
      expect(none.code).toBe(0);
      expect(none.stderr).toBe('');
    });
  });
});
