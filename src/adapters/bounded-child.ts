/**
 * Every helper program xacct starts for itself — a source's credential_process, mfa_process, on_assume, the browser
 * launcher — runs here: with a time limit, and stopped with everything it started when the limit passes or when
 * xacct ends (exit, SIGINT, SIGTERM, SIGHUP), so that none outlives xacct; one line on stderr says which was stopped.
 * (The command of `xacct exec` is not a helper: it runs through runCommand and is waited for, however long.)
 *
 * "Everything it started": a helper without a terminal gets a process group of its own, killed as a whole; one that
 * needs the terminal (an mfa_process asking for a touch or a PIN) stays in xacct's group, the terminal's foreground,
 * and what it started is found through /proc: its descendants, and (Linux) every process of the user whose
 * environment carries the helper's mark (XACCT_HELPER, a random value), which also finds what it left behind as an
 * orphan. kill -9 of xacct itself cannot be caught: its helpers then end by their own means.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { XacctError } from '../core/errors.js';
import { oneLine } from '../core/one-line.js';

export interface HelperOptions {
  /** "mfa_process (ykman)": names it in every line about it. Never its arguments: they may hold a secret. */
  readonly what: string;
  readonly timeoutMs: number;
  /** The whole environment of the helper (envWithoutSecrets of xacct's, plus what it needs). */
  readonly env: Readonly<Record<string, string>>;
  readonly stdio: StdioOptions;
  /** Whether it may read the terminal: then it stays in the terminal's foreground process group. */
  readonly needsTerminal?: boolean;
  /** `/bin/sh -c command` (the command is one string, as written in a config file). */
  readonly shell?: boolean;
}

export interface HelperEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** It ran past its time limit and was stopped. */
  readonly timedOut: boolean;
}

export interface Helper {
  readonly child: ChildProcess;
  /** Settles when it ends (exit, or stopped at the time limit); rejects when it could not be started. */
  readonly ended: Promise<HelperEnd>;
  /** Stops it and everything it started, now. */
  stop(): void;
  /** From now on it may outlive xacct (the browser once it has the URL): no longer stopped at the end. */
  release(): void;
}

const live = new Set<LiveHelper>();
let hooksInstalled = false;

interface LiveHelper {
  readonly what: string;
  readonly pid: number;
  readonly ownGroup: boolean;
  readonly mark: string;
}

/** The variable that marks a helper's environment, and so everything it starts. */
const MARK = 'XACCT_HELPER';

/** Starts a helper; see the module comment. The `ended` promise rejects with an XacctError when it cannot start. */
export function startHelper(command: string, args: readonly string[], options: HelperOptions): Helper {
  const ownGroup = !options.needsTerminal && process.platform !== 'win32';
  const mark = randomBytes(9).toString('base64url');
  const child = spawn(command, args, {
    env: { ...options.env, [MARK]: mark },
    stdio: options.stdio,
    shell: options.shell ?? false,
    detached: ownGroup,
    windowsHide: true,
  });
  let entry: LiveHelper | undefined;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (entry) kill(entry);
  };
  const forget = (): void => {
    if (timer) clearTimeout(timer);
    if (entry) live.delete(entry);
  };
  const ended = new Promise<HelperEnd>((resolve, reject) => {
    child.once('spawn', () => {
      if (child.pid === undefined) return;
      entry = { what: options.what, pid: child.pid, ownGroup, mark };
      live.add(entry);
      installHooks();
      timer = setTimeout(() => {
        timedOut = true;
        stop();
        // What it started may hold its pipes open after it is gone: stop reading them.
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ code: null, signal: 'SIGKILL', timedOut: true });
      }, options.timeoutMs);
      timer.unref?.();
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      forget();
      if (entry) return; // a failed kill: the exit event still comes
      reject(new XacctError(`${options.what} could not be started: ${err.code === 'ENOENT' ? 'not found' : (err.code ?? err.message)}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      forget();
      if (!timedOut) resolve({ code, signal, timedOut: false });
    });
  });
  return {
    child,
    ended,
    stop,
    release() {
      forget();
      entry = undefined;
      child.unref();
    },
  };
}

/** How a helper ended, as the end of a line about it ("did not finish within 60 s and was stopped"); undefined: exit 0. */
export function howItEnded(end: HelperEnd, timeoutMs: number): string | undefined {
  if (end.timedOut) return `did not finish within ${inWords(timeoutMs)} and was stopped`;
  if (end.signal) return `was killed by ${end.signal}`;
  if (end.code !== 0) return `failed with exit code ${end.code}`;
  return undefined;
}

/** "60 s", "2 min": a time limit in words, for the lines that name it. */
export function inWords(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s % 60 === 0 && s >= 120 ? `${s / 60} min` : `${s} s`;
}

/** Kills a helper and everything it started: its process group, or its descendants (found through /proc). */
function kill(h: LiveHelper): void {
  const pids = [...new Set([...descendantsOf(h.pid), ...marked(h.mark), h.pid])];
  if (h.ownGroup) {
    try {
      process.kill(-h.pid, 'SIGKILL');
    } catch {
      /* the group is gone */
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
}

/** Parent PID → child PIDs of every process visible in /proc; empty where there is no /proc. */
function processTable(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  if (process.platform !== 'linux') return children;
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid …"; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      /* ended meanwhile */
    }
  }
  return children;
}

/** The processes (of this user: others' environ cannot be read) whose environment carries `mark`. */
function marked(mark: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${MARK}=${mark}\0`);
  const out: number[] = [];
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`).includes(needle)) out.push(Number(name));
    } catch {
      /* ended meanwhile, or not ours */
    }
  }
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The children of `pid` now (Linux). */
export function childrenOf(pid: number): number[] {
  return processTable().get(pid) ?? [];
}

/** The live descendants of `pid`, parents before their children; none where /proc is not there. */
export function descendantsOf(pid: number): number[] {
  const children = processTable();
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * On exit, and on a signal that ends xacct, the helpers still running are stopped, each named in one line.
 * A signal is acted on by default again afterwards (xacct ends as it would have), unless someone else listens for
 * it (exec, which forwards it to its command and waits).
 */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => stopAll('as xacct ended'));
  for (const signal of ENDING_SIGNALS) {
    const onSignal = (): void => {
      stopAll(`on ${signal}`);
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function stopAll(why: string): void {
  for (const h of [...live]) {
    live.delete(h);
    kill(h);
    try {
      process.stderr.write(`xacct: ${oneLine(`stopped ${h.what}, still running ${why}`)}\n`);
    } catch {
      /* stderr is gone */
    }
  }
}
