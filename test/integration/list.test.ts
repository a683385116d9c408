/** `xacct list` of the built CLI (npm run build first) over a temporary HOME. */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, runCli as runXacct, type Env, type TestHome } from '../helpers/index.js';

const runCli = (args: string[], env: Env) => runXacct(args, { env });

const PROFILE_MAP = `default_profile = "dev-readonly"

[sources.identity]
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"
region = "eu-west-1"

[accounts]
prod = "222222222222"
dev = { id = "333333333333", region = "us-east-1" }

[roles]
admin = "OrganizationAccountAccessRole"
readonly = { name = "ReadOnly", duration = "1h" }

[profiles.vendor-audit]
role_arn = "arn:aws:iam::444444444444:role/Auditor"
external_id = "third-party-id"
`;

const AWS_CONFIG = `[default]
region = eu-west-1

[profile prod-admin]
credential_process = xacct credential-process prod-admin

[profile legacy]
role_arn = arn:aws:iam::555555555555:role/team/Legacy
source_profile = legacy-user
mfa_serial = arn:aws:iam::555555555555:mfa/bob
`;

const AWS_CREDENTIALS = `[legacy-user]
aws_access_key_id = AKIAEXAMPLEEXAMPLE00
aws_secret_access_key = not-a-secret
`;

let home: TestHome;
let env: Env;

beforeAll(() => {
  home = makeHome();
  env = {
    ...home.env,
    // No keychain here: the file backend, whose file does not exist, has no cached session ("-").
    XACCT_BACKEND: 'file',
  };
  home.write('.config/xacct/config.toml', PROFILE_MAP);
  home.write('.aws/config', AWS_CONFIG);
  home.write('.aws/credentials', AWS_CREDENTIALS);
});

afterAll(() => home?.cleanup());

const EXPECTED_ARNS: Record<string, string> = {
  'dev-admin': 'arn:aws:iam::333333333333:role/OrganizationAccountAccessRole',
  'dev-readonly': 'arn:aws:iam::333333333333:role/ReadOnly',
  legacy: 'arn:aws:iam::555555555555:role/team/Legacy',
  'prod-admin': 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole',
  'prod-readonly': 'arn:aws:iam::222222222222:role/ReadOnly',
  'vendor-audit': 'arn:aws:iam::444444444444:role/Auditor',
};

describe('xacct list', () => {
  it('shows every profile with its role ARN, source and MFA', async () => {
    const run = await runCli(['list'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['PROFILE', 'ACCOUNT', 'ROLE ARN', 'SOURCE', 'MFA', 'SESSION']);
    const cells = rows.map((r) => r.split(/\s{2,}/));
    expect(cells.map((c) => [c[0], c[2]])).toEqual(Object.entries(EXPECTED_ARNS));
    expect(cells.find((c) => c[0] === 'prod-admin')).toEqual([
      'prod-admin',
      'prod (222222222222)',
      EXPECTED_ARNS['prod-admin'],
      'identity',
      'arn:aws:iam::111111111111:mfa/alice',
      '-',
    ]);
    expect(cells.find((c) => c[0] === 'legacy')).toEqual([
      'legacy',
      '555555555555',
      EXPECTED_ARNS.legacy,
      'legacy-user',
      'arn:aws:iam::555555555555:mfa/bob',
      '-',
    ]);
  });

  it('--json prints an array with stable keys', async () => {
    const run = await runCli(['list', '--json'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const entries = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(Object.fromEntries(entries.map((e) => [e.name, e.roleArn]))).toEqual(EXPECTED_ARNS);
    expect(entries.map((e) => e.name)).toEqual(Object.keys(EXPECTED_ARNS));
    for (const e of entries) {
      expect(Object.keys(e)).toEqual([
        'name',
        'accountId',
        'accountName',
        'roleArn',
        'roleName',
        'source',
        'parent',
        'mfaSerial',
        'region',
        'durationSeconds',
        'origin',
        'session',
      ]);
      expect(e.session).toBeNull();
    }
    expect(entries.find((e) => e.name === 'dev-readonly')).toMatchObject({
      accountId: '333333333333',
      accountName: 'dev',
      roleName: 'ReadOnly',
      region: 'us-east-1',
      durationSeconds: 3600,
      origin: 'generated',
    });
    expect(entries.find((e) => e.name === 'legacy')).toMatchObject({ origin: 'aws-config', source: 'legacy-user', roleName: 'Legacy' });
  });

  it('reports malformed TOML as file:line, exit 2, without a stack trace', async () => {
    const bad = home.write('bad.toml', '[sources.identity]\nregion = "eu-west-1"\nmfa_serial = \n');
    const run = await runCli(['list'], { ...env, XACCT_CONFIG: bad });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^xacct: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: invalid TOML: .+\n$`));
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports an unknown key with its line and a suggestion', async () => {
    const bad = home.write('typo.toml', '[sources.identity]\nmfa_serail = "GAHT12345678"\n');
    const run = await runCli(['list'], { ...env, XACCT_CONFIG: bad });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`xacct: ${bad}:2: unknown key 'mfa_serail' in [sources.identity] (did you mean 'mfa_serial'?)\n`);
  });

  /** A HOME whose ~/.aws/config has a role profile xacct cannot use: `list` has a note about it. */
  function homeWithNote(): { own: TestHome; e: Env } {
    const own = makeHome();
    own.write('.config/xacct/config.toml', PROFILE_MAP);
    own.write('.aws/credentials', AWS_CREDENTIALS);
    own.write('.aws/config', `${AWS_CONFIG}\n[profile on-ec2]\nrole_arn = arn:aws:iam::555555555555:role/X\ncredential_source = Ec2InstanceMetadata\n`);
    return { own, e: { ...own.env, XACCT_BACKEND: 'file' } };
  }

  it('says once, not on every call, that a role profile of ~/.aws/config is not listed; again when that changes', async () => {
    const { own, e } = homeWithNote();
    try {
      const note = `xacct: not listed: profile 'on-ec2' of ${own.path('.aws/config')} cannot be used by xacct: it takes its credentials from credential_source, which only the AWS SDK serves\n`;
      const first = await runCli(['list'], e);
      expect(first.code).toBe(0);
      expect(first.stderr).toBe(`${note}xacct: this note is shown once; xacct doctor tells it every time\n`);
      const second = await runCli(['list'], e);
      expect(second).toMatchObject({ code: 0, stderr: '' });
      expect(second.stdout).toBe(first.stdout);
      // Another reason is another note.
      own.write('.aws/config', `${AWS_CONFIG}\n[profile on-ec2]\nrole_arn = arn:aws:iam::555555555555:role/X\nsource_profile = nowhere\n`);
      expect((await runCli(['list'], e)).stderr).toMatch(/^xacct: not listed: \S+config:\d+: source_profile 'nowhere' of \[profile on-ec2\]/);
    } finally {
      own.cleanup();
    }
  });

  it('reads its record of notes shown as other state files: never through a link, never waiting on a FIFO, only the user’s own', async () => {
    const { own, e } = homeWithNote();
    try {
      const shownOnce = /^xacct: not listed: profile 'on-ec2' of .*\nxacct: this note is shown once; xacct doctor tells it every time\n$/;
      expect((await runCli(['list'], e)).stderr).toMatch(shownOnce);
      const record = own.path('.local/state/xacct/notices.json');
      const elsewhere = own.path('elsewhere.json');
      renameSync(record, elsewhere);
      const kept = readFileSync(elsewhere, 'utf8');

      // A link to a record that has the note: not followed, so the note is shown; the link is replaced, not written through.
      symlinkSync(elsewhere, record);
      const linked = await runCli(['list'], e);
      expect(linked).toMatchObject({ code: 0, stderr: expect.stringMatching(shownOnce) });
      expect(readFileSync(elsewhere, 'utf8')).toBe(kept);
      expect(lstatSync(record).isFile()).toBe(true);

      // A FIFO: no hang (nothing ever writes to it).
      rmSync(record);
      execFileSync('mkfifo', ['-m', '600', record]);
      const fifo = await runXacct(['list'], { env: e, timeoutMs: 10_000 });
      expect(fifo).toMatchObject({ code: 0, stderr: expect.stringMatching(shownOnce) });

      if (process.getuid?.() === 0) {
        // Another user's file with the note in it: not trusted.
        rmSync(record);
        writeFileSync(record, kept, { mode: 0o600 });
        chownSync(record, 54321, 54321);
        expect((await runCli(['list'], e)).stderr).toMatch(shownOnce);
      }
      expect((await runCli(['list'], e)).stderr).toBe(''); // its own record again, as written by the last run
    } finally {
      own.cleanup();
    }
  });

  it('a large map is kept parsed without its command lines, and the copy goes when the map changes', async () => {
    const own = makeHome();
    try {
      const seed = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      const accounts = Array.from({ length: 3_000 }, (_, i) => `account-${i} = "${300_000_000_000 + i}"`).join('\n');
      const large = PROFILE_MAP.replace('[sources.identity]\n', `on_assume = "notify-send assumed"\n\n[sources.identity]\nmfa_process = "oathtool --totp -b ${seed}"\n`).replace('[accounts]\n', `[accounts]\n${accounts}\n`);
      expect(large.length).toBeGreaterThan(64 * 1024);
      const map = own.write('.config/xacct/config.toml', large);
      const e = { ...own.env, XACCT_BACKEND: 'file' };
      const folder = own.path('.cache/xacct/parsed-maps');
      const copies = () => (existsSync(folder) ? readdirSync(folder) : []);
      const first = await runCli(['list'], e);
      expect(first.code, first.stderr).toBe(0);
      expect(copies()).toHaveLength(1);
      const kept = readFileSync(join(folder, copies()[0]!), 'utf8');
      expect(kept).toContain('account-2999');
      for (const secret of [seed, 'oathtool', 'notify-send']) expect(kept).not.toContain(secret);
      const second = await runCli(['list'], e); // from the copy
      expect({ code: second.code, stdout: second.stdout, stderr: second.stderr }).toEqual({ code: 0, stdout: first.stdout, stderr: first.stderr });

      // The map gets small: the copy of the large one is removed.
      writeFileSync(map, PROFILE_MAP);
      const small = await runCli(['list'], e);
      expect(small.code, small.stderr).toBe(0);
      expect(copies()).toEqual([]);
    } finally {
      own.cleanup();
    }
  });

  it('a broken ~/.aws/config: list and exec refuse it as aws-config --write does (file:line, exit 2)', async () => {
    const own = makeHome();
    try {
      own.write('.config/xacct/config.toml', PROFILE_MAP);
      const file = own.write('.aws/config', `${AWS_CONFIG}aws_secret_access_key wJalrXUtnFEMI/K7MDENG\n`);
      const e = { ...own.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'p' };
      const line = AWS_CONFIG.split('\n').length;
      for (const args of [['list'], ['exec', 'prod-admin', '--', 'true'], ['aws-config', '--write']]) {
        const r = await runCli(args, e);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^xacct: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}: this line of the AWS config is not a setting \\(key = value\\) nor a \\[section\\]\n`));
        expect(r.stderr).not.toContain('wJalrXUtnFEMI');
      }
    } finally {
      own.cleanup();
    }
  });

  it('says where the profile map is looked for when there is none', async () => {
    const empty = makeHome();
    try {
      const run = await runCli(['list'], empty.env);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `xacct: no profiles: there is no profile map at ${empty.path('.config', 'xacct', 'config.toml')} (set XACCT_CONFIG to use another file), and ${empty.path('.aws', 'config')} has no role profiles\n`,
      );
    } finally {
      empty.cleanup();
    }
  });
});
