/**
 * README.md's "Your first hour", executed: its credentials file and profile map are written verbatim, its commands
 * run as written (in a shell, with `xacct` on PATH, under a pseudo-terminal where a person answers), against a
 * private GNOME Keyring and moto's IAM and STS behind the checking proxy, and what they print is compared with the
 * README. The test plays Bob's authenticator app: it reads the secret off the terminal and computes the codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoQuery, requireEnv, ROOT, spawnPty, startEnv, stripAnsi, withXacctOnPath, xmlValue, type Env, type TestEnv } from '../helpers/index.js';
import { escapeRegExp, readmeLinePattern, readmeSection } from '../helpers/readme.js';
import { answerEnrolment, secretOnScreen } from '../helpers/enrolment.js';

const SECTION = readmeSection(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'Your first hour');
const README = { ini: SECTION.blocks('ini')[0]!, toml: SECTION.blocks('toml')[0]!, steps: SECTION.steps };
const COMMANDS = [
  'xacct add identity --from-aws-profile identity --remove-plaintext',
  'xacct mfa enroll identity',
  'xacct assume prod-readonly',
  'aws sts get-caller-identity --query Arn --output text',
  'exit',
];
const outputOf = (command: string) => README.steps.find((s) => s.command === command)!.output;

/** A README line as a pattern: what differs here (key id, account, HOME, times, the user's name) matches anything. */
function linePattern(line: string, home: string, wholeLine = true): RegExp {
  return readmeLinePattern(
    line,
    [
    [/AKIAIOSFODNN7EXAMPLE/g, 'AKIA[A-Z0-9]{16}'],
    [/111111111111/g, '\\d{12}'],
    [/\/home\/bob/g, escapeRegExp(home)],
    [/(?<=assumed-role\/ReadOnly\/)bob$/g, '[\\w+=,.@-]+'],
    [/\d\d:\d\d \(in [\dhm]+\)/g, '\\d\\d:\\d\\d \\(in [\\dhm]+\\)'],
    ],
    wholeLine,
  );
}

const opts = { keyring: true, sts: true, awsCli: true, pty: true };

describe('README.md first hour', () => {
  it('shows the three commands of the issue, then the shell they lead to', () => {
    expect(README.steps.map((s) => s.command)).toEqual(COMMANDS);
  });
});

describe.skipIf(!requireEnv(opts, "README.md's first hour"))("README.md's first hour, run", () => {
  let t: TestEnv;
  let env: Env;
  let credentialsFile: string;
  let secret = '';

  beforeAll(async () => {
    t = await startEnv(opts);
    t.sts.iam.knownKeysOnly = true;
    await motoQuery(t.moto.url, 'iam', 'CreateUser', { UserName: 'bob' });
    const key = await motoQuery(t.moto.url, 'iam', 'CreateAccessKey', { UserName: 'bob' });
    const ini = README.ini.replace('AKIAIOSFODNN7EXAMPLE', xmlValue(key, 'AccessKeyId')!).replace('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', xmlValue(key, 'SecretAccessKey')!);
    credentialsFile = t.home.write('.aws/credentials', ini);
    t.home.write('.config/xacct/config.toml', README.toml);
    env = withXacctOnPath(t, { ...t.env, SHELL: '/bin/sh', PS1: '$ ' });
  });
  afterAll(() => t?.stop());

  it('xacct add --from-aws-profile --remove-plaintext: the key moves, the comment stays', async () => {
    const command = COMMANDS[0]!;
    const r = await spawnPty('/bin/sh', ['-c', command], { env, mode: 'pipes' }).result();
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.replace(/\n$/, '').split('\n');
    const shown = outputOf(command);
    expect(lines).toHaveLength(shown.length);
    shown.forEach((line, i) => expect(lines[i]).toMatch(linePattern(line, t.home.dir)));
    expect(readFileSync(credentialsFile, 'utf8')).toBe('# from the onboarding mail\n');
  });

  it('xacct mfa enroll: the screen of the README, the device enabled, the first session opened', async () => {
    const command = COMMANDS[1]!;
    const shown = outputOf(command);
    const term = spawnPty('/bin/sh', ['-c', command], { env, mode: 'pipes', rows: 60 });
    secret = await secretOnScreen(term);
    await answerEnrolment(term, secret, /Enter MFA code for arn:aws:iam::\d{12}:mfa\/bob \(identity\): /);
    const r = await term.result();
    const screen = stripAnsi(r.transcript).replace(/\r/g, '');
    expect(r.code, screen + r.stderr).toBe(0);

    // The README's screen: its text lines are on the terminal (the QR code and the secret are this device's own).
    const texts = shown.filter((l) => !/^[█▀▄ ]|^…$|^\s+[A-Z2-7]{4}( [A-Z2-7]{4})*$|^xacct: |^✔ |^Enter MFA code/.test(l) && l !== '');
    expect(texts).toHaveLength(4);
    for (const line of texts) expect(screen).toMatch(linePattern(line, t.home.dir));
    for (const question of shown.filter((l) => l.startsWith('✔ ')).map((l) => l.slice(2).replace(/ (\d{6}|Yes)$/, ''))) expect(screen).toContain(question);
    // …and its last lines, on stderr.
    const said = r.stderr.replace(/\n$/, '').split('\n');
    const expected = shown.filter((l) => l.startsWith('xacct: '));
    expect(said).toHaveLength(expected.length);
    expected.forEach((line, i) => expect(said[i]).toMatch(linePattern(line, t.home.dir)));
    expect(readFileSync(t.home.path('.config/xacct/config.toml'), 'utf8')).toBe(
      README.toml.replace('[sources.identity]\n', '[sources.identity]\nmfa_serial = "arn:aws:iam::123456789012:mfa/bob"\n'),
    );
  });

  it('xacct assume prod-readonly: no code asked (the session of the enrolment), a shell in which the AWS CLI is the role', async () => {
    t.sts.reset();
    const term = spawnPty('/bin/sh', ['-c', COMMANDS[2]!], { env, mode: 'tty' });
    // Not anchored: the status line (⠋ Assuming …) was erased before it, on the same line.
    await term.expect(linePattern(outputOf(COMMANDS[2]!)[0]!, t.home.dir, false), 20_000);
    await term.expect(/^\$ $/m);
    term.write(`${COMMANDS[3]}\r`);
    await term.expect(linePattern(outputOf(COMMANDS[3]!)[0]!, t.home.dir), 30_000);
    await term.expect(/^\$ $/m);
    term.write('exit\r');
    const r = await term.result();
    expect(r.code, stripAnsi(r.transcript)).toBe(0);
    expect(t.sts.count('GetSessionToken')).toBe(0);
    expect(t.sts.calls.find((c) => c.action === 'AssumeRole')).toMatchObject({ roleArn: 'arn:aws:iam::222222222222:role/ReadOnly', signedWith: 'mfa-session', status: 200 });
    expect(secret).not.toBe('');
  });
});
