/**
 * Whole-process timings for the bench: hyperfine when it is installed, else a loop of spawns. Every child gets
 * exactly the environment given (no NODE_EXTRA_CA_CERTS, which triples node's start-up here). Children are spawned
 * asynchronously: the STS proxy lives in this process and must keep answering while they run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Env = Record<string, string>;

export interface Command {
  readonly name: string;
  readonly argv: readonly string[];
  /** Run before each timed run, untimed (e.g. clearing the cache for a cold call). */
  readonly prepare?: readonly string[];
  /** Its own environment (for it and its prepare); absent: the one given to timeCommands. */
  readonly env?: Env;
}

export interface Timing {
  readonly name: string;
  /** Milliseconds, one per run. */
  readonly samples: readonly number[];
  /** Mean CPU time (user + system) of a run in milliseconds, where hyperfine measured it: steadier than wall time on a busy machine. */
  readonly cpuMs?: number;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function hyperfineVersion(): string | undefined {
  const r = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs a command to its end; stdin closed, output collected. */
export function run(argv: readonly string[], env: Env): Promise<RunResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

/** Runs and fails loudly unless the command exits 0. */
export async function runOk(argv: readonly string[], env: Env): Promise<RunResult> {
  const r = await run(argv, env);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r;
}

const quote = (argv: readonly string[]) => argv.map((a) => (/^[\w./:=@,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

/**
 * hyperfine runs every command in its own environment: where commands differ, each goes through `env` with what
 * differs (every command then, so that all pay the same ~1 ms for it).
 */
function envPrefix(commands: readonly Command[], env: Env): (c: Command) => string[] {
  if (!commands.some((c) => c.env)) return () => [];
  return (c) => {
    const own = c.env ?? env;
    const unset = Object.keys(env).filter((k) => own[k] === undefined).flatMap((k) => ['-u', k]);
    const set = Object.entries(own).filter(([k, v]) => env[k] !== v).map(([k, v]) => `${k}=${v}`);
    return ['env', ...unset, ...set];
  };
}

/** hyperfine with no shell in between (-N), `runs` runs after `warmup` untimed ones, per command. */
async function withHyperfine(commands: readonly Command[], env: Env, runs: number, warmup: number): Promise<Timing[]> {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-bench-'));
  try {
    const out = join(dir, 'hyperfine.json');
    const args = ['-N', '--style', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', out];
    const prefix = envPrefix(commands, env);
    for (const c of commands) {
      if (c.prepare) args.push('--prepare', quote([...prefix(c), ...c.prepare]));
      args.push('--command-name', c.name, quote([...prefix(c), ...c.argv]));
    }
    const r = await run(['hyperfine', ...args], env);
    if (r.code !== 0) throw new Error(`hyperfine exited ${r.code}: ${r.stderr.trim()}; ${await whichFails(commands, env)}`);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { results: { command: string; times: number[]; user: number; system: number }[] };
    return report.results.map((r) => ({ name: r.command, samples: r.times.map((s) => s * 1000), cpuMs: (r.user + r.system) * 1000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** hyperfine says only that a command failed: each is run once more, alone, to tell which and why. */
async function whichFails(commands: readonly Command[], env: Env): Promise<string> {
  for (const c of commands) {
    if (c.prepare) await run(c.prepare, c.env ?? env);
    const r = await run(c.argv, c.env ?? env);
    if (r.code !== 0) return `run again alone, "${c.name}" exited ${r.code}: ${r.stderr.trim()}`;
  }
  return 'run again alone, every command succeeded';
}

/** The same without hyperfine: the commands take turns, so that load from elsewhere falls on all of them alike. */
async function withLoop(commands: readonly Command[], env: Env, runs: number, warmup: number): Promise<Timing[]> {
  const samples = commands.map(() => [] as number[]);
  for (let i = 0; i < warmup + runs; i++) {
    for (const [n, c] of commands.entries()) {
      if (c.prepare) await runOk(c.prepare, c.env ?? env);
      const r = await runOk(c.argv, c.env ?? env);
      if (i >= warmup) samples[n]!.push(r.ms);
    }
  }
  return commands.map((c, n) => ({ name: c.name, samples: samples[n]! }));
}

/**
 * `runs` timed runs of each command, in rounds of a few runs of every command in turn: on a machine shared with
 * other work, a burst of load then falls on all commands rather than on whichever was being timed.
 */
export async function timeCommands(
  commands: readonly Command[],
  env: Env,
  opts: { runs: number; warmup: number; hyperfine: boolean; rounds?: number },
): Promise<Timing[]> {
  const rounds = Math.max(1, Math.min(opts.rounds ?? 5, opts.runs));
  const samples = commands.map(() => [] as number[]);
  const cpu = commands.map(() => [] as { ms: number; runs: number }[]);
  for (let r = 0; r < rounds; r++) {
    const runs = Math.floor(opts.runs / rounds) + (r < opts.runs % rounds ? 1 : 0);
    const warmup = r === 0 ? opts.warmup : 1;
    const timings = await (opts.hyperfine ? withHyperfine : withLoop)(commands, env, runs, warmup);
    timings.forEach((t, i) => {
      samples[i]!.push(...t.samples);
      if (t.cpuMs !== undefined) cpu[i]!.push({ ms: t.cpuMs, runs: t.samples.length });
    });
  }
  return commands.map((c, i) => {
    const parts = cpu[i]!;
    const n = parts.reduce((a, p) => a + p.runs, 0);
    return { name: c.name, samples: samples[i]!, ...(n ? { cpuMs: parts.reduce((a, p) => a + p.ms * p.runs, 0) / n } : {}) };
  });
}

/** Peak resident set size of a whole run, in MiB (GNU time's %M, in KiB); undefined without /usr/bin/time. */
export async function peakRssMiB(argv: readonly string[], env: Env): Promise<number | undefined> {
  const r = await run(['/usr/bin/time', '-f', 'xacct-bench-rss %M', ...argv], env).catch(() => undefined);
  const kib = r?.stderr.match(/xacct-bench-rss (\d+)/)?.[1];
  if (!r || r.code !== 0 || !kib) return undefined;
  return Number(kib) / 1024;
}
