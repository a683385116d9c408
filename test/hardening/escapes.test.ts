/**
 * Raw escape sequences planted in ~/.aws/config (and the profile map, and the command line) never reach stderr or
 * stdout (issue 11): every line for people goes through one path that shows control characters as \xNN, JSON output
 * escapes DEL and C1 as well, debug traces included. Through the real CLI, without keychain or STS: what fails, fails
 * in one safe line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, runCli, type Env, type RunResult, type TestHome } from '../helpers/index.js';
import { RAW_CONTROL, reportCount } from './support.js';

/** Sequences a terminal acts on: a title change, a screen clear, colour, a C1 CSI (UTF-8), BEL, DEL, backspace, CR. */
const ESC = ['\x1b]2;PWNED\x07', '\x1b[2J', '\x1b[31m', '\u009b31m', '\x07', '\x7f', '\b\b\b', '\rOVER'];
const planted = (i: number) => ESC[i % ESC.length]!;


// A header holding `]` (the title sequence) makes the whole file unreadable, one line naming file:line and nothing of
// it quoted; planted in a header that parses, the sequences reach the messages that quote names.
const AWS_CONFIG = [
  `[profile evil${planted(1)}]\nrole_arn = arn:aws:iam::222222222222:role/x\nsource_profile = base\n`,
  `[profile badarn]\nrole_arn = arn:aws:iam::222222222222:role/x${planted(1)}\nsource_profile = base\n`,
  `[profile badsource]\nrole_arn = arn:aws:iam::222222222222:role/ok\nsource_profile = base${planted(2)}\n`,
  `[profile badregion]\nrole_arn = arn:aws:iam::222222222222:role/ok\nsource_profile = base\nregion = eu${planted(3)}west\n`,
  `[profile badduration]\nrole_arn = arn:aws:iam::222222222222:role/ok\nsource_profile = base\nduration_seconds = 9${planted(4)}\n`,
  `[profile badmfa]\nrole_arn = arn:aws:iam::222222222222:role/ok\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/a${planted(5)}\n`,
  `[profile name${planted(3)}c1]\nrole_arn = arn:aws:iam::222222222222:role/ok\nsource_profile = base\n`,
  `[profile base]\naws_access_key_id = AKIA${planted(6)}\naws_secret_access_key = x\n# a comment ${planted(7)}\nunknown${planted(2)} = y\n`,
  `[profile nice]\nrole_arn = arn:aws:iam::222222222222:role/ok\nsource_profile = base\n`,
].join('\n');

describe('escape sequences planted in ~/.aws/config never reach the terminal', () => {
  let home: TestHome;
  let env: Env;
  const runs: { args: readonly string[]; r: RunResult }[] = [];
  const cli = async (args: readonly string[], extra: Env = {}) => {
    const r = await runCli(args, { env: { ...env, ...extra }, timeoutMs: 20_000 });
    runs.push({ args, r });
    return r;
  };

  beforeAll(() => {
    home = makeHome();
    home.write('.aws/config', AWS_CONFIG);
    home.write('.aws/credentials', `[base]\naws_access_key_id = AKIAEXAMPLE${planted(0)}\naws_secret_access_key = secret\n`);
    // STS on a closed loopback port: what reaches it fails at once.
    env = { ...home.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'p', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9', AWS_REGION: 'eu-west-1' };
  });
  afterAll(() => home?.cleanup());

  const COMMANDS: readonly (readonly string[])[] = [
    ['list'],
    ['list', '--json'],
    ['doctor'],
    ['doctor', '--json'],
    ['aws-config'],
    ['completion', 'bash'],
    ['__complete', 'profiles'],
    ['credential-process', 'nice'],
    ['credential-process', 'badarn'],
    ['credential-process', 'badsource'],
    ['credential-process', 'badregion'],
    ['credential-process', 'badduration'],
    ['credential-process', 'badmfa'],
    ['credential-process', `evil${planted(0)}`],
    ['exec', 'badarn', '--', 'true'],
    ['whoami', 'badsource', '--json'],
    ['login', 'badregion', '--print'],
    [`--no-such-option${planted(1)}`],
    ['list', `extra${planted(2)}`],
  ];

  it.each(COMMANDS.map((args) => ({ args, label: JSON.stringify(args) })))('$label: no raw control character on stdout or stderr', async ({ args }) => {
    for (const extra of [{}, { XACCT_DEBUG: '1' }] as Env[]) {
      const r = await cli(args, extra);
      expect(r.timedOut).toBe(false);
      for (const [stream, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
        const at = RAW_CONTROL.exec(text);
        expect(at, `${stream} of ${JSON.stringify(args)} ${JSON.stringify(extra)} holds ${JSON.stringify(at?.[0])}: ${JSON.stringify(text.slice(Math.max(0, (at?.index ?? 0) - 60), (at?.index ?? 0) + 20))}`).toBeNull();
      }
    }
  });

  it('the planted values are shown, escaped, where a message quotes them (so the test reaches them)', () => {
    const all = runs.map(({ r }) => r.stdout + r.stderr).join('\n');
    expect(all).toMatch(/\\x1b\[2J/); // the bad role_arn, quoted
    expect(all).toMatch(/\\x1b\]2;PWNED\\x07|evil\\x1b/); // the name given on the command line
    expect(all).toMatch(/\\x1b\[31m/); // the unknown source_profile, or the bad option
    reportCount('escape sequences (commands × with and without XACCT_DEBUG)', runs.length);
  });
});
