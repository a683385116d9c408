import { existsSync } from 'node:fs';
import { chmod, readFile, readdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  makeHome,
  requireEnv,
  ROOT,
  run,
  runCli as runXacct,
  startEnv,
  VALID_MFA_CODE,
  withXacctOnPath,
  writeUserCredentials,
  type Env,
  type TestEnv,
  type TestHome,
} from '../helpers/index.js';

// `xacct aws-config [--write]` of the built CLI (npm run build first) over a temporary HOME.

const runCli = (args: string[]) => runXacct(args, { env });

const PROFILE_MAP = `[sources.identity]
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"

[accounts]
prod = "222222222222"
staging = { id = "333333333333", region = "us-east-1" }

[roles]
admin = "OrganizationAccountAccessRole"
`;

/** A user's config: comments, CRLF, their own prod-admin, a role profile of their own, an SSO session. */
const USER_CONFIG = [
  '# my AWS config',
  '[default]',
  'region = eu-west-1',
  '',
  '[profile prod-admin]   ; mine: hands off',
  'aws_access_key_id = AKIAEXAMPLEEXAMPLE00',
  'aws_secret_access_key = not-a-secret',
  '',
  '[profile legacy]',
  'role_arn = arn:aws:iam::555555555555:role/Legacy',
  'source_profile = prod-admin',
  '',
  '[sso-session corp]',
  'sso_start_url = https://corp.awsapps.com/start',
  '',
].join('\r\n');

const ADDED = [
  '[profile staging-admin]',
  'credential_process = xacct credential-process staging-admin',
  'region = us-east-1',
  '',
].join('\r\n');

let t: TestHome;
let home: string;
let env: Env;
let config: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('build xacct first: npm run build');
});
beforeEach(() => {
  t = makeHome();
  home = t.dir;
  t.write('.config/xacct/config.toml', PROFILE_MAP);
  config = t.path('.aws', 'config');
  env = t.env;
});
afterEach(() => t?.cleanup());

describe('xacct aws-config', () => {
  it('prints the entries on stdout and touches nothing', async () => {
    const r = await runCli(['aws-config']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '[profile prod-admin]\ncredential_process = xacct credential-process prod-admin\n\n' +
        '[profile staging-admin]\ncredential_process = xacct credential-process staging-admin\nregion = us-east-1\n',
    );
    expect(r.stderr).toBe('');
    expect(existsSync(join(home, '.aws'))).toBe(false);
  });

  it("--write adds only xacct's entries, keeps every byte of the user's file, and a backup", async () => {
    t.write('.aws/config', USER_CONFIG);
    await chmod(config, 0o644);
    const r = await runCli(['aws-config', '--write']);
    expect(r.code).toBe(0);
    expect(await readFile(config, 'utf8')).toBe(`${USER_CONFIG}\r\n${ADDED}`);
    expect((await stat(config)).mode & 0o777).toBe(0o644);
    expect(await readFile(`${config}.xacct-backup`, 'utf8')).toBe(USER_CONFIG);
    expect(r.stderr).toContain(`xacct: left [profile prod-admin] in ${config} alone: it is not xacct's (it sets aws_access_key_id, aws_secret_access_key)\n`);
    expect(r.stderr).toContain(`xacct: ${config}: added staging-admin (previous version in ${config}.xacct-backup)\n`);
    expect(r.stdout).toBe('');
  });

  it('--write a second time changes nothing', async () => {
    t.write('.aws/config', USER_CONFIG);
    expect((await runCli(['aws-config', '--write'])).code).toBe(0);
    const written = await readFile(config);
    const past = new Date('2020-01-01T00:00:00Z');
    await utimes(config, past, past);
    const r = await runCli(['aws-config', '--write']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`xacct: ${config} is already up to date\n`);
    expect(await readFile(config)).toEqual(written);
    expect((await stat(config)).mtime.getTime()).toBe(past.getTime());
  });

  it('--write creates a missing config with mode 0600, with the command given by --command', async () => {
    const r = await runCli(['aws-config', '--write', '--command', '/opt/xacct/bin/xacct']);
    expect(r.code).toBe(0);
    expect(await readFile(config, 'utf8')).toContain('credential_process = /opt/xacct/bin/xacct credential-process prod-admin\n');
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(home, '.aws'))).toEqual(['config']);
  });

  it('a --command once written is kept by later writes (and shown) until another is given', async () => {
    t.write('.aws/config', USER_CONFIG);
    expect((await runCli(['aws-config', '--write', '--command', '/opt/xacct/bin/xacct'])).code).toBe(0);
    const written = await readFile(config, 'utf8');
    expect(written).toBe(`${USER_CONFIG}\r\n${ADDED.replace('= xacct', '= /opt/xacct/bin/xacct')}`);
    // A new account: the next write without --command keeps the command, for the old entries and the new one.
    t.write('.config/xacct/config.toml', PROFILE_MAP.replace('[roles]', 'dev = "444444444444"\n\n[roles]'));
    const again = await runCli(['aws-config', '--write']);
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(config, 'utf8')).toBe(`${written}\r\n[profile dev-admin]\r\ncredential_process = /opt/xacct/bin/xacct credential-process dev-admin\r\n`);
    expect(again.stderr).toContain(`xacct: ${config}: added dev-admin`);
    expect((await runCli(['aws-config'])).stdout).toContain('credential_process = /opt/xacct/bin/xacct credential-process dev-admin\n');
    // Another --command switches them all.
    expect((await runCli(['aws-config', '--write', '--command', 'xacct'])).code).toBe(0);
    expect(await readFile(config, 'utf8')).not.toContain('/opt/xacct');
  });

  it('--prune removes the entries of a removed account and keeps every byte the user wrote', async () => {
    t.write('.aws/config', USER_CONFIG);
    t.write('.config/xacct/config.toml', PROFILE_MAP.replace('[roles]', 'dev = "444444444444"\n\n[roles]'));
    expect((await runCli(['aws-config', '--write'])).code).toBe(0);
    const withDev = await readFile(config, 'utf8');
    expect(withDev).toContain('[profile dev-admin]');
    // The user edits the file after xacct wrote it: a section and a comment of theirs at the end.
    const edited = `${withDev}\r\n# added by hand\r\n[profile tools]\r\nregion = us-west-2\r\n`;
    t.write('.aws/config', edited);

    t.write('.config/xacct/config.toml', PROFILE_MAP); // the dev account is gone
    const stale = await runCli(['aws-config', '--write']);
    expect(stale.stderr).toContain(`xacct: [profile dev-admin] in ${config} is no longer in the profile map; xacct aws-config --write --prune removes it\n`);
    expect(await readFile(config, 'utf8')).toBe(edited);

    const r = await runCli(['aws-config', '--write', '--prune']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`xacct: ${config}: removed dev-admin (previous version in ${config}.xacct-backup)\n`);
    // Exactly the dev-admin section is gone: the user's bytes, before and after it, are all there.
    expect(await readFile(config, 'utf8')).toBe(edited.replace('[profile dev-admin]\r\ncredential_process = xacct credential-process dev-admin\r\n\r\n', ''));
    expect(await readFile(config, 'utf8')).toBe(`${USER_CONFIG}\r\n${ADDED}\r\n# added by hand\r\n[profile tools]\r\nregion = us-west-2\r\n`);
    // No profile map at all (say, not on this machine yet): refused, since every entry would look stale.
    const before = await readFile(config, 'utf8');
    const noMap = await runXacct(['aws-config', '--write', '--prune'], { env: { ...env, XDG_CONFIG_HOME: t.path('elsewhere') } });
    expect(noMap.code).toBe(2);
    expect(noMap.stderr).toBe(
      `xacct: no profile map at ${t.path('elsewhere', 'xacct', 'config.toml')}: --prune would remove every entry xacct wrote in ${config}\nxacct: put the profile map in place first (or set XACCT_CONFIG to it); nothing was written\n`,
    );
    expect(await readFile(config, 'utf8')).toBe(before);
    expect(before).toContain('credential_process = xacct credential-process staging-admin');
    // A map whose accounts come from AWS Organizations, before the first sync here: refused too.
    t.write('.config/xacct/config.toml', `${PROFILE_MAP}\n[organization]\nvia = "prod-admin"\n`);
    const unsynced = await runCli(['aws-config', '--write', '--prune']);
    expect(unsynced.code, unsynced.stderr).toBe(2);
    expect(unsynced.stderr).toBe(
      `xacct: the profile map has [organization] but no accounts synced yet: --prune would remove the entries of every synced account in ${config}\nxacct: run xacct sync first; nothing was written\n`,
    );
    expect(await readFile(config, 'utf8')).toBe(before);
    t.write('.config/xacct/config.toml', PROFILE_MAP);
    const alone = await runCli(['aws-config', '--prune']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe('xacct: --prune goes with --write: it removes entries from the AWS config\nxacct: run: xacct aws-config --write --prune\n');
  });

  it('--write refuses a config it cannot read, writing nothing', async () => {
    const bad = '[default]\nregion = eu-west-1\nthis line is not a setting\n';
    t.write('.aws/config', bad);
    const r = await runCli(['aws-config', '--write']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^xacct: .*config:3: /m);
    expect(await readFile(config, 'utf8')).toBe(bad);
    expect(await readdir(join(home, '.aws'))).toEqual(['config']);
  });
});

const e2e = { sts: true, awsCli: true };
describe.skipIf(!requireEnv(e2e, 'aws-config with the AWS CLI'))('the written entries, used by the AWS CLI', () => {
  let te: TestEnv;
  beforeAll(async () => (te = await startEnv(e2e)));
  afterAll(() => te?.stop());

  it('aws --profile prod-admin gets the role session through credential_process = xacct credential-process', async () => {
    te.home.write(
      '.config/xacct/config.toml',
      `[sources.identity]\nmfa_serial = "${te.user.mfaSerial}"\n\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "OrganizationAccountAccessRole"\n`,
    );
    writeUserCredentials(te);
    // `xacct` on PATH, as after an install: the entries name plain `xacct`.
    const env = withXacctOnPath(te, { ...te.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'aws-config-test' });

    // credential_process cannot be given an MFA code: the sessions are taken and cached first.
    expect((await runXacct(['exec', 'prod-admin', '--mfa-token', VALID_MFA_CODE, '--', 'true'], { env })).code).toBe(0);
    expect((await runXacct(['aws-config', '--write'], { env })).code).toBe(0);
    const r = await run('aws', ['sts', 'get-caller-identity', '--profile', 'prod-admin', '--region', 'eu-west-1', '--query', 'Arn', '--output', 'text'], { env });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^arn:aws:sts::222222222222:assumed-role\/OrganizationAccountAccessRole\//);
  });
});

describe.skipIf(!requireEnv({ awsCli: true }, 'headers the AWS CLI reads and xacct refuses'))('a section header with "]" inside its name or text after it', () => {
  let own: TestHome;
  beforeAll(() => (own = makeHome()));
  afterAll(() => own?.cleanup());

  it.each([
    { header: '[profile evil]x]', profile: 'evil]x', message: 'has a "]" inside its name, which the AWS tools do not read alike (the AWS CLI takes the name up to the last "]")' },
    { header: '[profile evil] x', profile: 'evil', message: 'has text after its "]" that is not a comment, which the AWS tools do not read alike' },
  ])('$header: the AWS CLI reads it (as $profile); xacct refuses it saying what is wrong, not that the CLI cannot read it', async ({ header, profile, message }) => {
    own.write('.config/xacct/config.toml', PROFILE_MAP);
    const text = `[default]\r\nregion = eu-west-1\r\n\r\n${header}\r\nregion = eu-west-2\r\n`;
    const file = own.write('.aws/config', text);
    const cli = await run('aws', ['configure', 'get', 'region', '--profile', profile], { env: own.env });
    expect({ code: cli.code, stdout: cli.stdout }).toEqual({ code: 0, stdout: 'eu-west-2\n' });

    const e = { ...own.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'p' };
    for (const args of [['aws-config', '--write'], ['list']]) {
      const r = await runXacct(args, { env: e });
      expect({ code: r.code, stderr: r.stderr }, args.join(' ')).toEqual({
        code: 2,
        stderr:
          `xacct: ${file}:4: this section header of the AWS config ${message}\n` +
          `xacct: rename the section: no "]" inside its name, nothing but a comment after it${args[0] === 'aws-config' ? '; nothing was written' : ''}\n`,
      });
    }
    expect(await readFile(file, 'utf8')).toBe(text);
    expect(await readdir(own.path('.aws'))).toEqual(['config']);
  });
});
