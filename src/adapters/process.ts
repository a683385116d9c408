import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import { applyEnvChanges } from '../core/session-env.js';

/** Signals passed on to the child while it runs; xacct itself survives them and waits for the child. */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

/** Signals a terminal sends to its whole foreground process group (Ctrl-C, Ctrl-\, a resize). */
const TERMINAL_SIGNALS: ReadonlySet<string> = new Set(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

export interface RunOptions {
  readonly stdio?: StdioOptions;
  /**
   * Whether the terminal already delivered `signal` to the child itself (both in the terminal's foreground
   * process group). Injected by tests; by default read from /proc or ps.
   */
  readonly terminalReachedChild?: (signal: ForwardedSignal, childPid: number) => boolean;
}

/**
 * Runs `command` without a shell, with `env` as its whole environment, and resolves to its exit code:
 * its own code, or 128 + N when it died of signal N (like a shell). A command that cannot be started is an
 * XacctError with a shell's code: 127 when it does not exist, 126 when it cannot be executed.
 */
export function runCommand(command: string, args: readonly string[], env: Env, options: RunOptions = {}): Promise<number> {
  const reachedChild = options.terminalReachedChild ?? terminalReachedChild;
  return new Promise<number>((resolve, reject) => {
    const child = spawn(command, args, { env: applyEnvChanges(env, {}), stdio: options.stdio ?? 'inherit', shell: false });
    let spawned = false;
    const listeners = new Map<ForwardedSignal, () => void>();

    const stopForwarding = (): void => {
      for (const [signal, listener] of listeners) process.removeListener(signal, listener);
      listeners.clear();
    };

    child.once('spawn', () => {
      spawned = true;
      for (const signal of FORWARDED_SIGNALS) {
        const listener = (): void => {
          // Ctrl-C already reached the child through the terminal; a second SIGINT makes Terraform and others
          // abandon their graceful shutdown, so terminal signals are passed on only when they did not.
          if (TERMINAL_SIGNALS.has(signal) && child.pid !== undefined && reachedChild(signal, child.pid)) return;
          try {
            child.kill(signal);
          } catch {
            /* the child is gone; its exit event follows */
          }
        };
        try {
          process.on(signal, listener);
          listeners.set(signal, listener);
        } catch {
          /* a signal this platform does not have (Windows) */
        }
      }
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      resolve(exitCodeOf(code, signal));
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (spawned) return; // a failed kill(); the exit event still comes
      stopForwarding();
      reject(startFailure(command, err));
    });
  });
}

/** assume's interactive shell: the user's `$SHELL` with the session's environment. */
export async function startShell(shell: string, env: Env, options: RunOptions = {}): Promise<number> {
  try {
    return await runCommand(shell, [], env, options);
  } catch (err) {
    if (err instanceof XacctError) {
      throw new XacctError(`cannot start the shell ${shell}: ${err.message}`, { exitCode: err.exitCode, hint: 'set SHELL to a shell that exists' });
    }
    throw err;
  }
}

/** A child's exit as a shell reports it: its code, or 128 + the signal number when a signal ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

function startFailure(command: string, err: NodeJS.ErrnoException): XacctError {
  switch (err.code) {
    case 'ENOENT':
      return new XacctError(`command not found: ${command}`, { exitCode: 127, cause: err });
    case 'EACCES':
      return new XacctError(`permission denied: ${command}`, { exitCode: 126, cause: err });
    default:
      return new XacctError(`cannot run ${command}: ${err.code ?? err.message}`, { exitCode: 126, cause: err });
  }
}

/**
 * True when xacct's process group is the terminal's foreground group and the child is still in it: then the
 * terminal sent the signal to both. An interactive shell moves itself to a group of its own, so a signal that
 * reaches xacct then did not reach it.
 */
function terminalReachedChild(_signal: ForwardedSignal, childPid: number): boolean {
  const self = processGroups(process.pid);
  if (!self || self.tpgid <= 0 || self.tpgid !== self.pgrp) return false;
  const child = processGroups(childPid);
  return child !== undefined && child.pgrp === self.pgrp;
}

function processGroups(pid: number): { pgrp: number; tpgid: number } | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    if (process.platform === 'linux') {
      // "pid (comm) state ppid pgrp session tty_nr tpgid …"; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { pgrp: Number(fields[2]), tpgid: Number(fields[5]) };
    }
    const ps = spawnSync('ps', ['-o', 'pgid=,tpgid=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 });
    const [pgrp, tpgid] = ps.stdout.trim().split(/\s+/).map(Number);
    return pgrp === undefined || tpgid === undefined || Number.isNaN(pgrp) ? undefined : { pgrp, tpgid };
  } catch {
    return undefined;
  }
}
