/** Runs the built CLI (or any command) as a child process without a terminal, as CI and scripts run it. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Env } from './procs.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The launcher users run; it loads dist/, so `npm run build` comes first (npm test does it). */
export const XACCT_BIN = fileURLToPath(new URL('../../bin/xacct.js', import.meta.url));

export interface RunOptions {
  /** The whole environment of the child: nothing of process.env is added (start from makeHome().env). */
  env: Env;
  /** Written to stdin, which is then closed; stdin is closed at once without it. */
  input?: string;
  cwd?: string;
  /** Killed (its whole process group) after this long; default 30 s. */
  timeoutMs?: number;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/**
 * Runs `cmd` in a session of its own (setsid): it has no controlling terminal, so opening /dev/tty fails (ENXIO)
 * instead of reaching the terminal vitest runs in; stdin/stdout/stderr are pipes.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin.on('error', () => {
      /* the child may exit without reading its input */
    });
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs ?? 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, durationMs: Date.now() - started });
    });
  });
}

/** `xacct <args>` with `node bin/xacct.js`. */
export function runCli(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return run(process.execPath, [XACCT_BIN, ...args], opts);
}
