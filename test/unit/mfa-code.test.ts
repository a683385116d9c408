import { describe, expect, it } from 'vitest';
import { createMfaCodeSource, normaliseMfaCode, runMfaProcess } from '../../src/adapters/prompt/mfa-code.js';
import type { Terminal } from '../../src/adapters/prompt/tty.js';
import { UsageError } from '../../src/core/errors.js';
import type { MfaRequest } from '../../src/core/ports.js';
import { failure } from '../helpers/failure.js';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const req = (extra: Partial<MfaRequest> = {}): MfaRequest => ({ serial: SERIAL, label: 'identity', attempt: 1, ...extra });
const env = { PATH: process.env.PATH };

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
    const source = createMfaCodeSource({ env, token: '123 456', openTerminal: () => tty.terminal });
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
    const source = createMfaCodeSource({ env, openTerminal: () => tty.terminal });
    expect(await source.getCode(req())).toBe('123456');
    expect(tty.written).toEqual([`Enter MFA code for ${SERIAL} (identity): `]);
    expect(tty.closed()).toBe(1);
    expect(source.canRetry()).toBe(true);
  });

  it('asks again after a malformed code, up to 3 times', async () => {
    const tty = fakeTerminal(['12345', '', ' 654 321 ']);
    const source = createMfaCodeSource({ env, openTerminal: () => tty.terminal });
    expect(await source.getCode(req())).toBe('654321');
    expect(tty.written.filter((t) => t.startsWith('Enter MFA code'))).toHaveLength(3);
    expect(tty.written.filter((t) => /not a 6-digit code/.test(t))).toHaveLength(2);

    const tty2 = fakeTerminal(['a', 'b', 'c', '123456']);
    const err = await failure(createMfaCodeSource({ env, openTerminal: () => tty2.terminal }).getCode(req()));
    expect(err.message).toMatch(/no valid MFA code entered .* after 3 tries/);
    expect(tty2.closed()).toBe(1);
  });

  it('says that AWS refused the previous code when asking again', async () => {
    const tty = fakeTerminal(['222222']);
    const source = createMfaCodeSource({ env, openTerminal: () => tty.terminal });
    expect(await source.getCode(req({ attempt: 2 }))).toBe('222222');
    expect(tty.written[0]).toMatch(/AWS refused that code/);
  });

  it('fails at end of input (Ctrl-D)', async () => {
    const tty = fakeTerminal([null]);
    const err = await failure(createMfaCodeSource({ env, openTerminal: () => tty.terminal }).getCode(req()));
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
      expect(err.message).toBe('mfa_process (sleep) did not finish within 300ms');
      expect(Date.now() - started).toBeLessThan(3_000);
    }
  });

  it('names the limit in seconds', async () => {
    const err = await failure(runMfaProcess('sleep 5', env, 1_000));
    expect(err.message).toBe('mfa_process (sleep) did not finish within 1s');
  });
});
