/**
 * One xacct prompt on a terminal at a time, across processes. Terraform starts many `credential_process` calls at
 * once; when two of them need the person (two codes, a passphrase), they would write their prompts on one line and
 * both read the keyboard, and their raw/cooked mode switches would cross (one restoring echo while the other reads
 * a passphrase). Every prompt, and every mfa_process that uses the terminal, therefore runs inside a turn: a
 * cross-process lock per terminal (the LockManager of src/adapters/lock.ts, in the user's lock folder).
 *
 * The turn is the innermost lock: nothing else is locked while a person is being asked, so it cannot deadlock.
 * What the waiting process needed may have been produced meanwhile: the caller re-checks inside the turn (the
 * file passphrase asks the agent again; an MFA session is re-read under its own cache lock before the code is
 * asked for, so that a second process needing the same session never reaches the prompt).
 *
 * A background job of an interactive shell that reads the terminal is stopped (SIGTTIN) while holding its locks,
 * so a process that is not in the terminal's foreground process group fails at once with a message instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { XacctError } from '../../core/errors.js';
import { durationInWords } from '../../core/duration.js';
import type { Env } from '../../core/paths.js';
import { xacctPaths } from '../../core/paths.js';
import type { LockManager } from '../../core/ports.js';

/** How long a prompt waits for the one before it to be answered. Several prompts can queue, each a person's answer. */
export const TERMINAL_WAIT_MS = 10 * 60_000;

export interface TurnNeed {
  /** What is asked, for messages: "the MFA code for source 'identity'". */
  readonly what: string;
  /** How to do without the person, for the message when they cannot be asked: "pass --mfa-token <code>". */
  readonly otherwise: string;
}

export interface Turn {
  /** True when another prompt stood on this terminal and this one waited for it to be answered. */
  readonly waited: boolean;
}

export interface TerminalTurnOptions {
  /** The lock manager of the turns; default: one in the user's lock folder with a wait of {@link TERMINAL_WAIT_MS}. */
  readonly lock?: LockManager;
  readonly waitMs?: number;
  /** For tests: whether this process may read the terminal (default: from /proc or ps). */
  readonly inForeground?: () => boolean | undefined;
}

let defaultLock: { dir: string; lock: Promise<LockManager> } | undefined;
/** Set in the call chain that holds the turn: a question asked inside it (the two of a new passphrase) needs no other. */
const holding = new AsyncLocalStorage<boolean>();

/**
 * Runs `ask` while no other xacct prompt stands on this terminal. Fails at once when this process is a background
 * job of the terminal, and after `waitMs` of waiting, saying which process still holds the terminal.
 */
export async function onTerminalTurn<T>(env: Env, need: TurnNeed, ask: (turn: Turn) => Promise<T>, options: TerminalTurnOptions = {}): Promise<T> {
  if (holding.getStore()) return ask({ waited: false });
  const waitMs = options.waitMs ?? TERMINAL_WAIT_MS;
  const foreground = (options.inForeground ?? inTerminalForeground)();
  if (foreground === false) throw backgroundError(need);
  const lock = options.lock ?? (await lockOf(env, waitMs));
  const asked = Date.now();
  let started = false;
  try {
    return await lock.withLock(`terminal:${terminalId()}`, () =>
      holding.run(true, async () => {
        started = true;
        // Sent to the background while waiting (Ctrl-Z, bg): reading now would stop it with the turn held.
        if ((options.inForeground ?? inTerminalForeground)() === false) throw backgroundError(need);
        return ask({ waited: Date.now() - asked > 250 });
      }),
    );
  } catch (err) {
    if (started || !(err instanceof XacctError)) throw err;
    throw new XacctError(`gave up asking for ${need.what} after waiting ${durationInWords(Math.round(waitMs / 1000))} for another xacct prompt on this terminal to be answered`, {
      hint: `${err.hint ? `${err.hint}; ` : ''}or ${need.otherwise}`,
      cause: err,
    });
  }
}

async function lockOf(env: Env, waitMs: number): Promise<LockManager> {
  const dir = xacctPaths(env).lockDir;
  if (defaultLock?.dir !== dir) {
    defaultLock = { dir, lock: import('../lock.js').then(({ createLockManager }) => createLockManager(dir, { timeoutMs: waitMs })) };
  }
  return defaultLock.lock;
}

function backgroundError(need: TurnNeed): XacctError {
  return new XacctError(`cannot ask for ${need.what}: xacct runs in the background of its terminal, where reading the keyboard would stop it`, {
    hint: `bring it to the foreground (fg), or ${need.otherwise}`,
  });
}

/** The controlling terminal, so that two terminals of one user do not wait for each other. */
function terminalId(): string {
  const stat = ownStat();
  return stat && stat.ttyNr > 0 ? String(stat.ttyNr) : 'tty';
}

/**
 * Whether this process is in its terminal's foreground process group: false for a background job, undefined where
 * it cannot be told (no /proc; then the prompt is tried as before).
 */
export function inTerminalForeground(): boolean | undefined {
  const stat = ownStat();
  if (!stat || stat.tpgid <= 0) return undefined;
  return stat.tpgid === stat.pgrp;
}

interface OwnStat {
  readonly pgrp: number;
  readonly ttyNr: number;
  readonly tpgid: number;
}

function ownStat(): OwnStat | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    // "pid (comm) state ppid pgrp session tty_nr tpgid …"; comm may hold spaces and parentheses.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(fields[2]), ttyNr: Number(fields[4]), tpgid: Number(fields[5]) };
  } catch {
    return undefined;
  }
}
