/**
 * A crowd of callers that need the person, on one real pseudo-terminal (issue 10): xacct processes started together
 * by one shell, as Terraform starts its credential_process calls. Each prompt takes its turn on the terminal: the
 * prompts come one after the other, never on one line, nothing typed is echoed where it should not be, and the file
 * backend's passphrase is asked once for the burst when the passphrase agent keeps the key.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addUserKeys,
  isAlive,
  requireEnv,
  runCli,
  spawnPty,
  standardMap,
  startEnv,
  stripAnsi,
  VALID_MFA_CODE,
  XACCT_BIN,
  type Env,
  type PtyResult,
  type TestEnv,
} from '../helpers/index.js';

const opts = { keyring: true, sts: true, pty: true };
const CREDENTIALS = /^\{"Version":1,"AccessKeyId":"ASIA\w+",.*"Expiration":"[^"]+Z"\}\n$/;
const PASSPHRASE = 'correct horse battery';

/**
 * `xacct <args>` for each entry of `calls`, all started at once by one shell on one terminal; stdout and stderr of
 * call i go to out<i> / err<i> in HOME, so that the terminal shows only what xacct writes there itself (prompts).
 * Once all have ended, the terminal's settings are shown (`stty -a`), to see that it was left as it was found.
 */
function together(t: TestEnv, env: Env, calls: readonly string[][]) {
  const lines = calls.map((args, i) => `"$0" "$1" ${args.join(' ')} >"$2/out${i}" 2>"$2/err${i}" &`);
  const term = spawnPty('/bin/sh', ['-c', `${lines.join('\n')}\nwait\necho "stty: $(stty -a | tr -s ' \\n;' ' ')"`, process.execPath, XACCT_BIN, t.home.dir], { env, mode: 'tty', cols: 250 });
  const outputs = () => calls.map((_, i) => ({ stdout: readFileSync(t.home.path(`out${i}`), 'utf8'), stderr: readFileSync(t.home.path(`err${i}`), 'utf8') }));
  return { term, outputs };
}

function expectTerminalRestored(r: PtyResult): void {
  const settings = /stty: (.*)/.exec(stripAnsi(r.transcript))?.[1] ?? '';
  expect(settings.split(' ')).toEqual(expect.arrayContaining(['icanon', 'echo']));
}

const count = (text: string, what: RegExp) => (text.match(new RegExp(what.source, 'g')) ?? []).length;

/** No line of the terminal holds two prompts. */
function expectOnePromptPerLine(r: PtyResult, prompt: RegExp): void {
  for (const line of stripAnsi(r.transcript).split('\n')) expect(count(line, prompt), line).toBeLessThanOrEqual(1);
}

describe.skipIf(!requireEnv(opts, 'prompts of a crowd on one terminal'))('a crowd of callers on one terminal', () => {
  let t: TestEnv;
  beforeAll(async () => {
    t = await startEnv(opts);
  });
  afterAll(() => t?.stop());
  beforeEach(() => t.sts.reset());

  it('two roles longer than 1 h at once: two MFA prompts one after the other, each answered, both callers succeed', async () => {
    // A role session longer than 1 h cannot come from the MFA session: each needs its own code (SPEC).
    t.home.write('.config/xacct/config.toml', standardMap(t.user.mfaSerial, { roles: 'admin = { name = "OrganizationAccountAccessRole", duration = "2h" }' }));
    await addUserKeys(t);
    t.sts.validCodes = new Set(['111111', '222222']);
    t.sts.singleUseCodes = true;
    const prompt = /Enter MFA code for \S+ \(identity\): /;
    const { term, outputs } = together(t, t.env, [
      ['credential-process', 'prod-admin'],
      ['credential-process', 'staging-admin'],
    ]);

    const first = await term.expect(/(\S+) lasts 2h, longer than the 1h AWS allows[^\n]*\nEnter MFA code for \S+ \(identity\): $/, 30_000);
    // The other caller has had time to reach the terminal too: it waits for its turn, it does not ask.
    await sleep(3000);
    expect(count(stripAnsi(term.transcript), prompt)).toBe(1);
    term.write('111111\r');
    // It waited for the first prompt (3 s at least), so it says that each code is accepted once.
    const second = await term.expect(/(\S+) lasts 2h, longer than the 1h AWS allows[^\n]*\n\(Each code is accepted once[^\n]*\)\nEnter MFA code for \S+ \(identity\): $/, 30_000);
    expect(new Set([first[1], second[1]])).toEqual(new Set(['prod-admin', 'staging-admin']));
    term.write('222222\r');
    const r = await term.result(60_000);

    expect(r.code, stripAnsi(r.transcript)).toBe(0);
    for (const o of outputs()) {
      expect(o.stderr).toBe('');
      expect(o.stdout).toMatch(CREDENTIALS);
    }
    expect(count(stripAnsi(r.transcript), prompt)).toBe(2);
    expectOnePromptPerLine(r, prompt);
    // What STS received: one AssumeRole with each code, 2 h each, and no MFA session.
    const assumed = t.sts.calls.filter((c) => c.action === 'AssumeRole');
    expect(assumed.map((c) => [c.tokenCode, c.status, c.durationSeconds]).sort()).toEqual([
      ['111111', 200, 7200],
      ['222222', 200, 7200],
    ]);
    expect(t.sts.count('GetSessionToken')).toBe(0);
  }, 120_000);

  it('a background job of an interactive shell that needs the person fails at once, saying why, instead of stopping', async () => {
    // A 2 h role: a code must be asked for.
    t.home.write('.config/xacct/config.toml', standardMap(t.user.mfaSerial, { roles: 'admin = { name = "OrganizationAccountAccessRole", duration = "2h" }' }));
    await addUserKeys(t);
    expect((await runCli(['clear'], { env: t.env })).code).toBe(0);
    const shell = spawnPty('bash', ['--norc', '--noprofile', '-i'], { env: { ...t.env, PS1: '$ ' }, mode: 'tty', cols: 250 });
    shell.write(`"${process.execPath}" "${XACCT_BIN}" credential-process prod-admin & wait $!; echo "exit=$?"\r`);
    await shell.expect(/exit=(\d+)/, 30_000);
    shell.write('exit\r');
    const r = await shell.result(20_000);
    const text = stripAnsi(r.transcript);
    expect(text).toContain("xacct: cannot ask for the MFA code for source 'identity': xacct runs in the background of its terminal");
    expect(text).toMatch(/xacct: bring it to the foreground \(fg\), or pass --mfa-token <code>/);
    expect(text).toContain('exit=1');
    expect(text).not.toMatch(/Stopped|Enter MFA code/);
    expect(t.sts.count()).toBe(0);
  }, 60_000);

  describe('the file backend without XACCT_FILE_PASSPHRASE', () => {
    let env: Env;
    beforeAll(async () => {
      t.home.write('.config/xacct/config.toml', standardMap(t.user.mfaSerial));
      env = { ...t.env, XACCT_BACKEND: 'file' };
      t.sts.validCodes = new Set([VALID_MFA_CODE]);
      t.sts.singleUseCodes = false;
      await addUserKeys(t, { env: { ...env, XACCT_FILE_PASSPHRASE: PASSPHRASE } });
    });
    beforeEach(async () => {
      expect((await runCli(['agent', 'stop'], { env })).code).toBe(0);
    });
    afterAll(async () => {
      await runCli(['agent', 'stop'], { env });
    });

    const callers = (n: number) => Array.from({ length: n }, (_, i) => ['credential-process', i % 2 ? 'staging-admin' : 'prod-admin', '--mfa-token', VALID_MFA_CODE]);
    const prompt = /Passphrase for \S+secrets\.enc/;
    const answered = /✔ Passphrase for /;

    it('without the agent, two callers ask one after the other, and nothing typed appears on the terminal', async () => {
      const { term, outputs } = together(t, { ...env, XACCT_FILE_PASSPHRASE_CACHE: '0' }, callers(2));
      await term.expect(prompt, 30_000);
      await sleep(1500);
      // One prompt drawn, none of the other's: it waits for its turn instead of drawing over this one.
      expect(count(stripAnsi(term.transcript), /\? Passphrase for /)).toBe(1);
      term.write(`${PASSPHRASE}\r`);
      await term.expect(answered, 30_000);
      await term.expect(prompt, 30_000);
      term.write(`${PASSPHRASE}\r`);
      const r = await term.result(60_000);

      expect(r.code, stripAnsi(r.transcript)).toBe(0);
      for (const o of outputs()) expect(o.stdout, o.stderr).toMatch(CREDENTIALS);
      expect(r.transcript).not.toContain('correct');
      expect(count(stripAnsi(r.transcript), answered)).toBe(2);
      // (inquirer redraws a prompt in place as keys are typed: its final form, ✔, is what stays on each line)
      expectOnePromptPerLine(r, answered);
      expect(stripAnsi(r.transcript)).not.toMatch(/unlocks xacct's encrypted file|not kept unlocked/);
      // The terminal is left as it was found, echo on (two raw-mode sessions crossing leave it off).
      expectTerminalRestored(r);
    }, 120_000);

    it('with the agent, a burst of six callers asks once', async () => {
      const { term, outputs } = together(t, env, callers(6));
      await term.expect(/for all your xacct processes for 10m \(`xacct agent stop` locks it\)\.\n\? Passphrase for \S+secrets\.enc:/, 30_000);
      term.write(`${PASSPHRASE}\r`);
      const r = await term.result(60_000);

      expect(r.code, stripAnsi(r.transcript)).toBe(0);
      for (const o of outputs()) {
        expect(o.stderr).toBe('');
        expect(o.stdout).toMatch(CREDENTIALS);
      }
      expect(count(stripAnsi(r.transcript), answered)).toBe(1);
      expect(r.transcript).not.toContain('correct');
      expectTerminalRestored(r);

      // Later callers need no prompt and no terminal at all while the agent holds the key.
      const later = await runCli(['credential-process', 'prod-admin'], { env });
      expect(later.stderr).toBe('');
      expect(later.stdout).toMatch(CREDENTIALS);

      const status = await runCli(['agent'], { env });
      const pid = Number(/passphrase agent (\d+) on /.exec(status.stderr)?.[1]);
      expect(status.stderr).toMatch(/a file unlocked for (9m\d*s?|10m) more/);
      // Nothing secret on its command line or in its environment.
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain('correct');
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).toBe('');

      expect((await runCli(['agent', 'stop'], { env })).stderr).toBe('xacct: stopped the passphrase agent; the encrypted file is locked\n');
      for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
      expect(isAlive(pid)).toBe(false);
      const locked = await runCli(['credential-process', 'prod-admin'], { env });
      expect(locked.code).toBe(1);
      expect(locked.stderr).toMatch(/no terminal to ask for the passphrase/);
    }, 120_000);
  });
});
