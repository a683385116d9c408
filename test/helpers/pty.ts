/**
 * Runs a command under a real pseudo-terminal (python3's pty, through pty-host.py: no native module), so that
 * prompts on /dev/tty can be seen and answered.
 *
 *     const t = spawnPty(process.execPath, [XACCT_BIN, 'credential-process', 'prod-admin'], { env, mode: 'pipes' });
 *     await t.expect(/MFA code/);
 *     t.write('123456\r');
 *     const r = await t.result();   // r.code, r.stdout (a pipe in 'pipes' mode), r.transcript (the terminal)
 */
import { spawn, spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Env } from './procs.js';
import { ROOT, XACCT_BIN } from './run-cli.js';

const HOST = fileURLToPath(new URL('./pty-host.py', import.meta.url));

export interface PtyOptions {
  env: Env;
  /**
   * 'tty' (default): stdin, stdout and stderr are the terminal, as in an interactive shell.
   * 'pipes': they are pipes (stdout/stderr collected apart) and the terminal is only the controlling
   * terminal, reachable as /dev/tty: how the AWS CLI and SDKs run a credential_process.
   */
  mode?: 'tty' | 'pipes';
  cwd?: string;
  cols?: number;
  rows?: number;
  /** 'pipes' mode: written to the command's stdin, which is then closed (at once without it). */
  stdin?: string;
}

export interface PtyResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything shown on the terminal, echo of typed input included, escape sequences and \r as sent. */
  transcript: string;
  /** 'pipes' mode only: the command's stdout and stderr. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface PtySession {
  readonly pid: number;
  /** The terminal output so far (raw). */
  readonly transcript: string;
  /**
   * Waits until the terminal output after the previous match matches `pattern` (escape sequences removed, so a
   * regex sees the text a person sees); then the next expect() starts after this match. Rejects after
   * timeoutMs with what was on the terminal.
   */
  expect(pattern: RegExp | string, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Types `text` at the terminal (use '\r' for Enter, '\x03' for Ctrl-C, '\x04' for Ctrl-D). */
  write(text: string): void;
  /** Sends a signal to the command's process group. */
  kill(signal?: NodeJS.Signals): void;
  /** Waits for the command to end (killing it after timeoutMs, default 30 s). */
  result(timeoutMs?: number): Promise<PtyResult>;
}

/** Removes ANSI escape sequences (CSI, OSC, charset selection) and carriage returns. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\r/g, '');
}

let python: string | undefined;
/** The interpreter behind `python3` (pyenv's shim costs ~90 ms a start). */
function pythonPath(): string {
  if (python === undefined) {
    const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    python = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : 'python3';
  }
  return python;
}

export function spawnPty(cmd: string, args: readonly string[], opts: PtyOptions): PtySession {
  const mode = opts.mode ?? 'tty';
  const child = spawn(pythonPath(), [HOST, mode, String(opts.cols ?? 100), String(opts.rows ?? 30), '--', cmd, ...args], {
    env: opts.env,
    cwd: opts.cwd ?? ROOT,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  const termOut = child.stdio[3] as Readable;
  const termIn = child.stdio[4] as Writable;
  let transcript = '';
  let stdout = '';
  let stderr = '';
  let consumed = 0; // offset in stripAnsi(transcript) where the next expect() starts
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());

  termOut.setEncoding('utf8').on('data', (s: string) => {
    transcript += s;
    notify();
  });
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  for (const s of [child.stdin!, termIn]) s.on('error', () => undefined);
  child.stdin!.end(opts.stdin ?? '');

  let timedOut = false;
  const closed = new Promise<PtyResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      notify();
      // In 'tty' mode the host's own stderr carries only its failures: show them.
      resolve({ code, signal, transcript, stdout: mode === 'pipes' ? stdout : '', stderr, timedOut });
    });
  });
  let exited = false;
  void closed.then(
    () => (exited = true),
    () => (exited = true),
  );

  const session: PtySession = {
    get pid() {
      return child.pid ?? -1;
    },
    get transcript() {
      return transcript;
    },
    expect(pattern, timeoutMs = 10_000) {
      const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
      return new Promise((resolve, reject) => {
        const check = () => {
          const text = stripAnsi(transcript);
          const m = regex.exec(text.slice(consumed));
          if (m) {
            consumed += m.index + m[0].length;
            done();
            resolve(m);
          } else if (exited) {
            done();
            reject(new Error(`expected ${regex} on the terminal, but the command ended; terminal:\n${text}\nstderr:\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`expected ${regex} on the terminal within ${timeoutMs} ms; terminal:\n${stripAnsi(transcript)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    write(text) {
      termIn.write(text);
    },
    kill(signal = 'SIGTERM') {
      // The host forwards TERM/INT/HUP to the command's process group.
      if (!exited) child.kill(signal);
    },
    async result(timeoutMs = 30_000) {
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
        setTimeout(() => !exited && child.kill('SIGKILL'), 2000).unref();
      }, timeoutMs);
      try {
        const r = await closed;
        return { ...r, transcript, timedOut };
      } finally {
        clearTimeout(timer);
        termIn.end();
      }
    },
  };
  return session;
}

/** `xacct <args>` under a terminal. */
export function runCliPty(args: readonly string[], opts: PtyOptions): PtySession {
  return spawnPty(process.execPath, [XACCT_BIN, ...args], opts);
}
