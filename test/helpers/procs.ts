/**
 * Background services of the test helpers (dbus-daemon, gnome-keyring-daemon, moto_server): started so that they
 * die with the test process even when it is killed, marked so that a stray one can be found, and stopped by PID.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Every service started here carries this variable; global-setup.ts looks for leftovers by it. */
export const DAEMON_MARKER = 'XACCT_TEST_DAEMON';

export type Env = Record<string, string>;

export interface Daemon {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last 64 KiB the service wrote on stdout and stderr, for error messages. */
  log(): string;
  /** Resolves with the first line of its stdout/stderr that matches (or rejects on exit or after timeoutMs). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `cmd` with exactly `env` (plus the marker). On Linux it runs under `setpriv --pdeathsig TERM`, which
 * execs the command in place (same PID) with a parent-death signal: if the test worker dies without calling
 * stop(), the kernel terminates the service.
 */
export function startDaemon(cmd: string, args: string[], env: Env, opts: { stdin?: string } = {}): Daemon {
  const marker = process.env[DAEMON_MARKER] ?? 'standalone';
  const [file, argv] = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', cmd, ...args]] : [cmd, args];
  const options: SpawnOptions = { env: { ...env, [DAEMON_MARKER]: marker }, stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] };
  const child = spawn(file, argv, options);
  if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);

  let output = '';
  let partial = '';
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-65536);
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 1000) lines.splice(0, lines.length - 1000);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      for (const w of [...waiters]) w();
      resolve();
    };
    child.once('exit', done);
    child.once('error', (err) => {
      output += `\n[spawn ${cmd}: ${err.message}]`;
      done();
    });
  });

  return {
    child,
    get pid() {
      return child.pid ?? -1;
    },
    log: () => output,
    running: () => !exited,
    waitForLine(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const settle = (error?: string, match?: RegExpMatchArray) => {
          waiters.delete(check);
          clearTimeout(timer);
          if (match) resolve(match);
          else reject(new Error(`${cmd}: ${error}; its output:\n${output}`));
        };
        const check = () => {
          for (const line of lines) {
            const m = pattern.exec(line);
            if (m) return settle(undefined, m);
          }
          if (exited) settle(`exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}`);
        };
        const timer = setTimeout(() => settle(`no line matching ${pattern} within ${timeoutMs} ms`), timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** True while `pid` is a live process (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes whose environment carries `XACCT_TEST_DAEMON=<marker>`, with their command lines. */
export function findMarkedProcesses(marker: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  const needle = `\0${DAEMON_MARKER}=${marker}\0`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      if (!`\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(needle) || !isAlive(pid)) continue;
      found.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

/** Runs a short command to completion and returns its output; rejects with its output on a non-zero exit. */
export function runQuiet(cmd: string, args: string[], env: Env, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal}): ${out.trim()}`)),
    );
  });
}
