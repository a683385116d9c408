/**
 * The MFA prompt through a real pseudo-terminal: the child's controlling terminal is a pty while its stdin, stdout
 * and stderr are pipes (as under `aws` running credential_process), or are the pty itself; and with no terminal.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, makeHome, requireTools, run, runCli, spawnPty, type PtyResult } from '../helpers/index.js';

const fixture = fileURLToPath(new URL('../fixtures/prompt/get-mfa-code.mjs', import.meta.url));
const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const home = makeHome();
afterAll(() => home.cleanup());

/** Runs the fixture under a pseudo-terminal, typing each answer once its prompt shows. */
async function runInPty(mode: 'pipes' | 'tty', steps: { expect: RegExp; send: string }[], extra: Record<string, string> = {}): Promise<PtyResult> {
  const t = spawnPty(process.execPath, [fixture], { env: { ...home.env, ...extra }, mode });
  for (const step of steps) {
    await t.expect(step.expect);
    t.write(step.send);
  }
  return t.result(20_000);
}

/** Runs the fixture in a session of its own (no controlling terminal), all stdio piped. */
const runWithoutTerminal = (extra: Record<string, string> = {}) => run(process.execPath, [fixture], { env: { ...home.env, ...extra }, timeoutMs: 15_000 });

const hasPty = requireTools(['python3'], 'the MFA prompt in a terminal');

const PROMPT = /Enter MFA code for arn:aws:iam::111111111111:mfa\/alice \(identity\): $/;
const AGAIN = /not a 6-digit code\.\n(?=Enter MFA code)/;

describe.skipIf(!hasPty)('MFA prompt on /dev/tty while stdin, stdout and stderr are pipes', () => {
  it('asks on the terminal and gives the code; stdout and stderr stay clean', async () => {
    const r = await runInPty('pipes', [{ expect: PROMPT, send: '123456\r' }]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.transcript).toContain(`Enter MFA code for ${SERIAL} (identity): `);
    expect(r.stdout).toBe('code=123456 canRetry=true\n');
    expect(r.stderr).toBe('');
  });

  it('asks again after a malformed code', async () => {
    const r = await runInPty('pipes', [
      { expect: PROMPT, send: '12345\r' },
      { expect: AGAIN, send: '' },
      { expect: PROMPT, send: ' 654 321\r' },
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('code=654321 canRetry=true\n');
  });

  it('gives up after 3 malformed codes', async () => {
    const r = await runInPty('pipes', [
      { expect: PROMPT, send: 'a\r' },
      { expect: PROMPT, send: 'b\r' },
      { expect: PROMPT, send: 'c\r' },
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no valid MFA code entered for .* after 3 tries/);
  });

  it("runs mfa_process with the terminal as its stdin and stderr, reading the code from its stdout", async () => {
    const r = await runInPty('pipes', [{ expect: /Touch your key: $/, send: '135790\r' }], {
      MFA_PROCESS: 'printf "Touch your key: " >&2; read -r code; echo "$code"',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('code=135790 canRetry=false\n');
    expect(r.stderr).toBe('');
  });
});

describe.skipIf(!hasPty)('MFA prompt when stdin, stdout and stderr are the terminal', () => {
  it('asks and gives the code', async () => {
    const r = await runInPty('tty', [{ expect: PROMPT, send: '246810\r' }]);
    expect(r.code).toBe(0);
    expect(r.transcript).toMatch(/code=246810 canRetry=true/);
  });

  it('fails on end of input (Ctrl-D)', async () => {
    const r = await runInPty('tty', [{ expect: PROMPT, send: '\x04' }]);
    expect(r.code).toBe(1);
    expect(r.transcript).toMatch(/no MFA code entered/);
  });
});

describe('without a terminal', () => {
  it('fails at once, saying how to give a code', async () => {
    const started = Date.now();
    const r = await runWithoutTerminal();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `no terminal to ask for the MFA code for ${SERIAL}; pass --mfa-token <code> or set mfa_process for source 'identity'`,
    );
  });

  it('for a source_profile of ~/.aws/config, says where mfa_process can be set (the profile map), through the CLI', async () => {
    const aws = makeHome();
    try {
      aws.write('.aws/credentials', '[identity]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
      aws.write('.aws/config', `[profile prod-admin]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = identity\nmfa_serial = ${SERIAL}\n`);
      const r = await runCli(['credential-process', 'prod-admin'], { env: { ...aws.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'p' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `xacct: no terminal to ask for the MFA code for ${SERIAL}; pass --mfa-token <code> or define [sources.identity] with mfa_process in the profile map (the role profiles of ~/.aws/config whose source_profile is identity use it)\n`,
      );
    } finally {
      aws.cleanup();
    }
  });

  it('still uses --mfa-token or mfa_process', async () => {
    expect((await runWithoutTerminal({ MFA_TOKEN: '111222' })).stdout).toBe('code=111222 canRetry=false\n');
    const r = await runWithoutTerminal({ MFA_PROCESS: 'echo "working" >&2; echo 333444' });
    expect(r.stdout).toBe('code=333444 canRetry=false\n');
    expect(r.stderr).toBe('working\n');
  });

  it('stops an mfa_process that hangs, and everything it started', async () => {
    const pids = home.path('mfa-process.pids');
    const started = Date.now();
    const r = await runWithoutTerminal({
      MFA_PROCESS: `sleep 60 & echo $! > ${pids}; sleep 61 & echo $! >> ${pids}; wait`,
      MFA_PROCESS_TIMEOUT_MS: '500',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mfa_process \(sleep\) did not finish within 500 ms and was stopped/);
    const children = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(children).toHaveLength(2);
    for (let i = 0; i < 20 && children.some(isAlive); i++) await new Promise((res) => setTimeout(res, 100));
    expect(children.filter(isAlive)).toEqual([]);
  });
});
