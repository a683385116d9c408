import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMfaCodeSource, normaliseMfaCode, runMfaProcess } from '../../src/adapters/prompt/mfa-code.js';
import type { Terminal } from '../../src/adapters/prompt/tty.js';
import { UsageError, XacctError } from '../../src/core/errors.js';
import type { MfaRequest } from '../../src/core/ports.js';
import { failure } from '../helpers/failure.js';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const req = (extra: Partial<MfaRequest> = {}): MfaRequest => ({ serial: SERIAL, label: 'identity', attempt: 1, ...extra });
// A HOME of its own: prompts take their turn on the terminal under HOME's lock folder.
const env = { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'xacct-mfa-')) };
afterAll(() => rmSync(env.HOME, { recursive: true, force: true }));
/** The fake terminals are in the foreground, whatever the terminal vitest runs in. */
const turn = { inForeground: () => true };

/** A terminal that answers the prompts with `lines` (null: end of input) and records what was written. */
function fakeTerminal(lines: (string | null)[]) {
  const written: string[] = [];
  let closed = 0;
  const terminal: Terminal = {
    write: (text) => void written.push(text),
    readLine: async () => (lines.length ? lines.shift()! : null),
    close: () => void closed++,
  };
  return { terminal, written, closed: () => closed };
}

describe('normaliseMfaCode', () => {
  it('accepts exactly 6 digits, spaces removed', () => {
    expect(normaliseMfaCode('123456')).toBe('123456');
    expect(normaliseMfaCode(' 123 456\n')).toBe('123456');
    expect(normaliseMfaCode('012345')).toBe('012345');
  });
  it('refuses anything else', () => {
    for (const bad of ['', '12345', '1234567', '12345a', '１２３４５６', '123-456', 'abcdef']) {
      expect(normaliseMfaCode(bad)).toBeUndefined();
    }
  });
});

describe('--mfa-token', () => {
  it('is used as the code, before mfa_process or a prompt', async () => {
    const tty = fakeTerminal(['999999']);
    const source = createMfaCodeSource({ env, token: '123 456', turn, openTerminal: () => tty.terminal });
    expect(await source.getCode(req({ mfaProcess: 'echo 111111' }))).toBe('123456');
    expect(tty.written).toEqual([]);
    expect(source.canRetry()).toBe(false);
  });

  it('must be 6 digits: a usage error before any AWS call', async () => {
    const source = createMfaCodeSource({ env, token: '12345' });
    const err = await failure(source.getCode(req()));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.exitCode).toBe(2);
  });

  it('is not offered again once AWS refused it', async () => {
    const source = createMfaCodeSource({ env, token: '123456' });
    const err = await failure(source.getCode(req({ attempt: 2 })));
    expect(err.message).toMatch(/refused the MFA code given with --mfa-token/);
    expect(err.exitCode).toBe(1);
  });
});

describe('the terminal prompt', () => {
  it('asks on the terminal, naming the serial and the label, and closes it', async () => {
    const tty = fakeTerminal(['123456']);
    const source = createMfaCodeSource({ env, turn, openTerminal: () => tty.terminal });
    expect(await source.getCode(req())).toBe('123456');
    expect(tty.written).toEqual([`Enter MFA code for ${SERIAL} (identity): `]);
    expect(tty.closed()).toBe(1);
    expect(source.canRetry()).toBe(true);
  });

  it('says it is waiting once the prompt is shown, once, before the code is typed', async () => {
    const events: string[] = [];
    const terminal: Terminal = {
      write: (text) => void events.push(`write ${text.trim()}`),
      readLine: async () => (events.push('read'), events.length < 6 ? '12' : '123456'),
      close: () => undefined,
    };
    const source = createMfaCodeSource({ env, turn, openTerminal: () => terminal, whileWaiting: () => void events.push('waiting') });
    expect(await source.getCode(req())).toBe('123456');
    expect(events).toEqual([`write Enter MFA code for ${SERIAL} (identity):`, 'read', 'waiting', 'write That is not a 6-digit code.', `write Enter MFA code for ${SERIAL} (identity):`, 'read']);
  });

  it('asks again after a malformed code, up to 3 times', async () => {
    const tty = fakeTerminal(['12345', '', ' 654 321 ']);
    const source = createMfaCodeSource({ env, turn, openTerminal: () => tty.terminal });
    expect(await source.getCode(req())).toBe('654321');
    expect(tty.written.filter((t) => t.startsWith('Enter MFA code'))).toHaveLength(3);
    expect(tty.written.filter((t) => /not a 6-digit code/.test(t))).toHaveLength(2);

    const tty2 = fakeTerminal(['a', 'b', 'c', '123456']);
    const err = await failure(createMfaCodeSource({ env, turn, openTerminal: () => tty2.terminal }).getCode(req()));
    expect(err.message).toMatch(/no valid MFA code entered .* after 3 tries/);
    expect(tty2.closed()).toBe(1);
  });

  it('says that AWS refused the previous code when asking again', async () => {
    const tty = fakeTerminal(['222222']);
    const source = createMfaCodeSource({ env, turn, openTerminal: () => tty.terminal });
    expect(await source.getCode(req({ attempt: 2 }))).toBe('222222');
    expect(tty.written[0]).toMatch(/AWS refused that code/);
  });

  it('fails at end of input (Ctrl-D)', async () => {
    const tty = fakeTerminal([null]);
    const err = await failure(createMfaCodeSource({ env, turn, openTerminal: () => tty.terminal }).getCode(req()));
    expect(err.message).toMatch(/no MFA code entered/);
    expect(tty.closed()).toBe(1);
  });

  it('without a terminal, fails saying how to give a code', async () => {
    const source = createMfaCodeSource({ env, openTerminal: () => null });
    const err = await failure(source.getCode(req()));
    expect(err.message).toBe(
      `no terminal to ask for the MFA code for ${SERIAL}; pass --mfa-token <code> or set mfa_process for source 'identity'`,
    );
    expect(err.exitCode).toBe(1);
  });
});

describe('mfa_process', () => {
  const source = (timeoutMs = 10_000) =>
    createMfaCodeSource({ env: { ...env, FAKE_CODE: '246810' }, processTimeoutMs: timeoutMs, openTerminal: () => null });

  it('runs through sh with the env given and reads the code from stdout', async () => {
    const s = source();
    expect(await s.getCode(req({ mfaProcess: 'printf " %s\\n" "$FAKE_CODE"; echo "touch your key" >&2' }))).toBe(
      '246810',
    );
    expect(s.canRetry()).toBe(false);
  });

  it('says it is waiting once mfa_process has started, while it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xacct-mfa-wait-'));
    try {
      const done = join(dir, 'done');
      const seen: boolean[] = [];
      const s = createMfaCodeSource({ env: { ...env, DONE: done }, openTerminal: () => null, whileWaiting: () => void seen.push(existsSync(done)) });
      expect(await s.getCode(req({ mfaProcess: 'sleep 0.3; touch "$DONE"; printf 135790' }))).toBe('135790');
      expect(seen).toEqual([false]); // told once, while it still ran
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails on a non-zero exit, naming the program but not its arguments or output', async () => {
    const err = await failure(source().getCode(req({ mfaProcess: 'oathtool --totp JBSWY3DPEHPK3PXP; echo 999999; exit 3' })));
    expect(err.message).toBe('mfa_process (oathtool) failed with exit code 3');
    expect(err.message).not.toMatch(/JBSWY3DPEHPK3PXP|999999/);
    expect(err.exitCode).toBe(1);
  });

  it('fails when it prints something other than a 6-digit code, without repeating it', async () => {
    const err = await failure(source().getCode(req({ mfaProcess: 'echo not-a-code-s3cret' })));
    expect(err.message).toBe('mfa_process (echo) did not print a 6-digit code');
    expect(err.message).not.toContain('s3cret');
  });

  it('is stopped when it runs longer than the limit, even if a child holds its stdout', async () => {
    for (const command of ['sleep 30', 'sleep 30 & wait', '(sleep 30 &) ; sleep 30']) {
      const started = Date.now();
      const err = await failure(source(300).getCode(req({ mfaProcess: command })));
      expect(err.message).toBe('mfa_process (sleep) did not finish within 300 ms and was stopped');
      // Stopped, not waited for: 30 s otherwise.
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it('names the limit in seconds', async () => {
    const err = await failure(runMfaProcess('sleep 5', env, 1_000));
    expect(err.message).toBe('mfa_process (sleep) did not finish within 1 s and was stopped');
  });
});

describe('the prompt in a crowd', () => {
  it('says why a code is needed, before asking', async () => {
    const tty = fakeTerminal(['123456']);
    const source = createMfaCodeSource({ env, turn, openTerminal: () => tty.terminal });
    const reason = 'prod-readonly lasts 2h, longer than the 1h AWS allows a role session taken from an MFA session, so it needs its own MFA code.';
    expect(await source.getCode(req({ reason }))).toBe('123456');
    expect(tty.written).toEqual([`${reason}\n`, `Enter MFA code for ${SERIAL} (identity): `]);
  });

  it('in the background of its terminal, fails at once without touching the terminal', async () => {
    const tty = fakeTerminal(['123456']);
    const source = createMfaCodeSource({ env, turn: { inForeground: () => false }, openTerminal: () => tty.terminal });
    const err = await failure(source.getCode(req()));
    expect(err.message).toBe("cannot ask for the MFA code for source 'identity': xacct runs in the background of its terminal, where reading the keyboard would stop it");
    expect(err.hint).toBe("bring it to the foreground (fg), or pass --mfa-token <code> or set mfa_process for source 'identity'");
    expect(tty.written).toEqual([]);
  });

  it('after waiting for another prompt, warns that the code just typed cannot serve twice', async () => {
    const tty = fakeTerminal(['123456']);
    const slowLock = { withLock: async <T>(_key: string, fn: () => Promise<T>) => (await new Promise((r) => setTimeout(r, 300)), fn()) };
    const source = createMfaCodeSource({ env, turn: { ...turn, lock: slowLock }, openTerminal: () => tty.terminal });
    expect(await source.getCode(req())).toBe('123456');
    expect(tty.written[0]).toMatch(/^\(Each code is accepted once: if you just typed the one shown now, wait for the next\.\)\n$/);
  });

  it('gives up waiting for the terminal after the time limit, saying why and what else to do', async () => {
    const tty = fakeTerminal(['123456']);
    const busy = {
      withLock: async () => {
        throw new XacctError('timed out after 600s waiting for xacct process 4242 on box to finish (lock "terminal:34816")', { hint: 'if that process is stuck, end it (kill 4242); its lock is then taken over' });
      },
    };
    const source = createMfaCodeSource({ env, turn: { ...turn, lock: busy }, openTerminal: () => tty.terminal });
    const err = await failure(source.getCode(req()));
    expect(err.message).toBe("gave up asking for the MFA code for source 'identity' after waiting 10 minutes for another xacct prompt on this terminal to be answered");
    expect(err.hint).toBe("if that process is stuck, end it (kill 4242); its lock is then taken over; or pass --mfa-token <code> or set mfa_process for source 'identity'");
    expect(tty.written).toEqual([]);
    expect(tty.closed()).toBe(1);
  });
});
