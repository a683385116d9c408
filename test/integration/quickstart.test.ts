/**
 * README.md's "Quick start", executed: its profile map is written verbatim, its commands are run as written (in a
 * shell, with `xacct` on PATH, the interactive ones under a pseudo-terminal) against a private GNOME Keyring and
 * moto behind the STS proxy, and their output is compared with the README's. A change to the quick start that this
 * file does not follow fails here, so the newcomer's path stays true. (npm run build first.)
 *
 * The steps build on each other, in order, as a person runs them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireEnv,
  ROOT,
  run,
  spawnPty,
  startEnv,
  stripAnsi,
  VALID_MFA_CODE,
  withXacctOnPath,
  type Env,
  type TestEnv,
} from '../helpers/index.js';
import { escapeRegExp, readmeLinePattern, readmeSection } from '../helpers/readme.js';

const SECTION = readmeSection(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'Quick start');
const README = { toml: SECTION.blocks('toml'), steps: SECTION.steps, text: SECTION.text };

/** Every command of the quick start, in order: the README's list must be exactly this one. */
const COMMANDS = [
  'xacct add identity',
  'xacct list',
  'xacct assume prod-admin',
  'aws sts get-caller-identity --query Arn --output text',
  'exit',
  'xacct exec prod-admin -- aws s3 ls',
  'xacct aws-config --write',
  'aws sts get-caller-identity --profile staging-readonly --query Arn --output text',
];

const outputOf = (command: string): string[] => {
  const step = README.steps.find((s) => s.command === command);
  if (!step) throw new Error(`the quick start no longer runs: ${command}`);
  return step.output;
};

/** A README line as a pattern: what differs on this machine (user name, key id, times, HOME) matches anything. */
function linePattern(line: string, home: string, wholeLine = true): RegExp {
  return readmeLinePattern(
    line,
    [
      [/AKIAIOSFODNN7EXAMPLE/g, 'AKIA[A-Z0-9]{16}'],
      [/\/home\/alice/g, escapeRegExp(home)],
      [/(?<=\/)alice$/g, '[\\w+=,.@-]+'], // the RoleSessionName: the user's name
      [/\d\d:\d\d \(in [\dhm]+\)/g, '\\d\\d:\\d\\d \\(in [\\dhm]+\\)'],
      [/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d'],
    ],
    wholeLine,
  );
}

const opts = { keyring: true, sts: true, awsCli: true, pty: true };

describe('README.md quick start', () => {
  it('shows the commands this file runs, in this order, and one profile map', () => {
    expect(README.steps.map((s) => s.command)).toEqual(COMMANDS);
    expect(README.toml).toHaveLength(1);
  });
});

describe.skipIf(!requireEnv(opts, "README.md's quick start"))("README.md's quick start, run", () => {
  let t: TestEnv;
  let env: Env;
  const sh = (command: string, timeoutMs = 60_000) => run('/bin/sh', ['-c', command], { env, timeoutMs });
  const expectOutput = (actual: string, command: string) => {
    const shown = outputOf(command);
    const lines = actual.replace(/\n$/, '').split('\n');
    expect(lines, `output of ${command}`).toHaveLength(shown.length);
    shown.forEach((line, i) => expect(lines[i], `line ${i + 1} of ${command}`).toMatch(linePattern(line, t.home.dir)));
  };

  beforeAll(async () => {
    t = await startEnv(opts);
    t.home.write('.config/xacct/config.toml', README.toml[0]!);
    env = withXacctOnPath(t, {
      ...t.env,
      SHELL: '/bin/sh',
      PS1: '$ ',
      // STS goes to the proxy (t.env); every other AWS service of the AWS CLI to moto itself (S3 here).
      AWS_ENDPOINT_URL: t.moto.url,
    });
  });
  afterAll(() => t?.stop());

  it('xacct add identity: asks for the key on the terminal and stores it in the keychain', async () => {
    const term = spawnPty('/bin/sh', ['-c', 'xacct add identity'], { env, mode: 'pipes' });
    await term.expect(/Access key id of source 'identity':/);
    term.write(`${t.user.accessKeyId}\r`);
    await term.expect(/Secret access key:/);
    term.write(`${t.user.secretAccessKey}\r`);
    const r = await term.result();
    const screen = stripAnsi(r.transcript);
    expect(r.code, screen + r.stderr).toBe(0);
    expect(screen).not.toContain(t.user.secretAccessKey);
    // The README shows the terminal, then the line on stderr.
    const [askedId, askedSecret, stored] = outputOf('xacct add identity');
    expect(screen).toContain(askedId!.replace('AKIAIOSFODNN7EXAMPLE', t.user.accessKeyId));
    expect(screen).toContain(askedSecret!.replace(/\*+$/, '*'.repeat(t.user.secretAccessKey.length)));
    expect(r.stderr).toBe(`${stored!.replace('AKIAIOSFODNN7EXAMPLE', t.user.accessKeyId)}\n`);
  });

  it('xacct list: the four profiles, exactly as shown', async () => {
    const r = await sh('xacct list');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${outputOf('xacct list').join('\n')}\n`);
  });

  it('xacct assume prod-admin: one MFA code, then a shell in which the AWS CLI is the role', async () => {
    const shown = outputOf('xacct assume prod-admin');
    const term = spawnPty('/bin/sh', ['-c', 'xacct assume prod-admin'], { env, mode: 'tty' });
    const prompt = shown[0]!.replace(/ \d{6}$/, ' ');
    await term.expect(prompt, 20_000);
    term.write(`${VALID_MFA_CODE}\r`);
    // Not anchored: the status line (⠋ Getting an MFA session…) was erased before it, on the same line.
    await term.expect(linePattern(shown[1]!, t.home.dir, false), 20_000);
    await term.expect(/^\$ $/m);
    term.write(`aws sts get-caller-identity --query Arn --output text\r`);
    await term.expect(linePattern(outputOf('aws sts get-caller-identity --query Arn --output text')[0]!, t.home.dir), 30_000);
    await term.expect(/^\$ $/m);
    term.write('exit\r');
    const r = await term.result();
    expect(r.code, stripAnsi(r.transcript)).toBe(0);
    expect(t.sts.calls.map((c) => [c.action, c.status])).toEqual([
      ['GetSessionToken', 200],
      ['AssumeRole', 200],
      ['GetCallerIdentity', 200],
    ]);
    expect(t.sts.calls[0]).toMatchObject({ tokenCode: VALID_MFA_CODE, serialNumber: 'arn:aws:iam::111111111111:mfa/alice' });
  });

  it('xacct exec prod-admin -- aws s3 ls: the cached role session, no code asked', async () => {
    const bucket = /\s(\S+)$/.exec(outputOf('xacct exec prod-admin -- aws s3 ls')[0]!)![1]!;
    const made = await sh(`xacct exec prod-admin -- aws s3api create-bucket --bucket ${bucket} --create-bucket-configuration LocationConstraint=eu-west-1`);
    expect(made.code, made.stderr).toBe(0);
    t.sts.reset();
    const r = await sh('xacct exec prod-admin -- aws s3 ls');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectOutput(r.stdout, 'xacct exec prod-admin -- aws s3 ls');
    expect(t.sts.count()).toBe(0);
  });

  it('xacct aws-config --write, then aws --profile staging-readonly: assumed from the cached MFA session', async () => {
    const written = await sh('xacct aws-config --write');
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expectOutput(written.stderr, 'xacct aws-config --write');

    t.sts.reset();
    const command = 'aws sts get-caller-identity --profile staging-readonly --query Arn --output text';
    const r = await sh(command);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectOutput(r.stdout, command);
    expect(t.sts.count('GetSessionToken')).toBe(0);
    expect(t.sts.calls.filter((c) => c.action === 'AssumeRole')).toEqual([
      expect.objectContaining({ roleArn: 'arn:aws:iam::333333333333:role/ReadOnly', signedWith: 'mfa-session', status: 200 }),
    ]);
  });
});
