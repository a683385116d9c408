/**
 * MFA codes, from (in this order) --mfa-token, the source's mfa_process, or a prompt on the terminal.
 * Every code is checked to be 6 digits before it reaches AWS.
 */
import { closeSync } from 'node:fs';
import { UsageError, XacctError } from '../../core/errors.js';
import type { Env } from '../../core/paths.js';
import type { MfaCodeSource, MfaRequest } from '../../core/ports.js';
import { programName } from '../../core/program-name.js';
import { envWithoutSecrets } from '../../core/session-env.js';
import { howItEnded, startHelper } from '../bounded-child.js';
import { suspendProgress } from './progress.js';
import { inTerminalForeground, onTerminalTurn, type TerminalTurnOptions, type Turn, type TurnNeed } from './terminal-turn.js';
import { openTerminal, openTerminalFd, terminalPresent, type Terminal } from './tty.js';

export interface MfaCodeSourceOptions {
  readonly env: Env;
  /** The --mfa-token value. */
  readonly token?: string;
  /** How long mfa_process may run. */
  readonly processTimeoutMs?: number;
  /** How many malformed codes the prompt takes before giving up. */
  readonly promptTries?: number;
  /** For tests: the terminal to prompt on. */
  readonly openTerminal?: () => Terminal | null;
  /** For tests: how prompts take their turn on the terminal. */
  readonly turn?: TerminalTurnOptions;
  /**
   * Called once a code is being waited for (mfa_process started, the prompt shown), so that the caller can use the
   * wait: loading the STS client, which a code is for.
   */
  readonly whileWaiting?: () => void;
}

const DEFAULT_PROCESS_TIMEOUT_MS = 60_000;
const MAX_PROCESS_OUTPUT = 4096;

/** The code with spaces removed, when it is exactly 6 digits. */
export function normaliseMfaCode(text: string): string | undefined {
  const code = text.replace(/\s+/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

export function createMfaCodeSource(options: MfaCodeSourceOptions): MfaCodeSource {
  const open = options.openTerminal ?? openTerminal;
  let lastFrom: 'token' | 'process' | 'prompt' | undefined;

  return {
    async getCode(req) {
      if (options.token !== undefined) {
        lastFrom = 'token';
        return fromToken(options.token, req);
      }
      const need: TurnNeed = { what: `the MFA code for source '${req.label}'`, otherwise: 'pass --mfa-token <code>' };
      if (req.mfaProcess) {
        lastFrom = 'process';
        const run = () => runMfaProcess(req.mfaProcess!, options.env, options.processTimeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS, options.whileWaiting);
        // It may ask on the terminal (a touch, a PIN): in turn with the prompts. Its time limit starts with the turn.
        // In the background it runs as before: a code that needs no touch still works, and its time limit ends a stop.
        return terminalPresent() && inTerminalForeground() !== false ? onTerminalTurn(options.env, need, run, options.turn) : run();
      }
      const terminal = open();
      if (!terminal) {
        throw new XacctError(
          `no terminal to ask for the MFA code for ${req.serial}; pass --mfa-token <code> or ${req.automateHint ?? `set mfa_process for source '${req.label}'`}`,
        );
      }
      lastFrom = 'prompt';
      const otherwise = `pass --mfa-token <code> or set mfa_process for source '${req.label}'`;
      try {
        return await onTerminalTurn(
          options.env,
          { ...need, otherwise },
          (turn) => promptForCode(terminal, req, options.promptTries ?? 3, turn, options.whileWaiting),
          options.turn,
        );
      } finally {
        terminal.close();
      }
    },
    canRetry() {
      return lastFrom === 'prompt';
    },
  };
}

function fromToken(token: string, req: MfaRequest): string {
  // A code given on the command line can only be tried once: asking again would need a terminal.
  if (req.attempt > 1) {
    throw new XacctError('AWS refused the MFA code given with --mfa-token', {
      hint: 'run the command again with the next code',
    });
  }
  const code = normaliseMfaCode(token);
  if (!code) throw new UsageError('--mfa-token must be a 6-digit code');
  return code;
}

async function promptForCode(terminal: Terminal, req: MfaRequest, tries: number, turn: Turn, whileWaiting?: () => void): Promise<string> {
  const resume = suspendProgress();
  try {
    if (req.attempt > 1) terminal.write('AWS refused that code; wait for the next one.\n');
    else if (req.reason) terminal.write(`${req.reason}\n`);
    // A code is accepted once: the prompt before this one may have taken the code now shown.
    if (turn.waited && req.attempt === 1) terminal.write('(Each code is accepted once: if you just typed the one shown now, wait for the next.)\n');
    for (let i = 0; i < tries; i++) {
      terminal.write(`Enter MFA code for ${req.serial} (${req.label}): `);
      const reading = terminal.readLine();
      if (i === 0) whileWaiting?.();
      const line = await reading;
      if (line === null) {
        terminal.write('\n');
        throw new XacctError(`no MFA code entered for ${req.serial}`);
      }
      const code = normaliseMfaCode(line);
      if (code) return code;
      terminal.write('That is not a 6-digit code.\n');
    }
    throw new XacctError(`no valid MFA code entered for ${req.serial} after ${tries} tries`, {
      hint: 'an MFA code is the 6 digits your authenticator shows',
    });
  } finally {
    resume();
  }
}

/**
 * Runs mfa_process through the shell with stdin and stderr on the terminal (for a touch or PIN prompt) when there
 * is one, and reads the code from its stdout. Messages name the program but never its arguments or output:
 * either could be a TOTP secret. It gets xacct's environment without the secrets in it (the file passphrase, keys),
 * a time limit, and is stopped with what it started at the limit or when xacct ends (bounded-child.ts).
 */
export async function runMfaProcess(command: string, env: Env, timeoutMs: number, whileWaiting?: () => void): Promise<string> {
  const what = `mfa_process (${programName(command)})`;
  const ttyFd = openTerminalFd();
  try {
    const helper = startHelper(command, [], {
      what,
      timeoutMs,
      shell: true,
      env: envWithoutSecrets(env),
      // Without a terminal, piped stderr keeps an orphan from holding our caller's stderr open.
      stdio: [ttyFd ?? 'ignore', 'pipe', ttyFd ?? 'pipe'],
      needsTerminal: ttyFd !== null,
    });
    let out = '';
    helper.child.stdout!.setEncoding('utf8');
    helper.child.stdout!.on('data', (chunk: string) => {
      if (out.length < MAX_PROCESS_OUTPUT) out += chunk;
    });
    helper.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    whileWaiting?.();
    const failed = howItEnded(await helper.ended, timeoutMs);
    if (failed) throw new XacctError(`${what} ${failed}`);
    const code = normaliseMfaCode(out);
    if (!code) {
      throw new XacctError(`${what} did not print a 6-digit code`, {
        hint: 'mfa_process must print only the code on stdout',
      });
    }
    return code;
  } finally {
    if (ttyFd !== null) closeSync(ttyFd);
  }
}
