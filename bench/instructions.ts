/**
 * Instructions a command runs, counted by valgrind's callgrind: unlike wall or CPU time, the same for the same
 * binary, inputs and environment whatever else the machine is doing, and far less dependent on the machine (two
 * machines of the same kind gave the same wall-time targets as met on one and missed on the other, issue 16). It
 * counts the process's own instructions only: not the keyring daemon's, the bus's, moto's or a child's (mfa_process),
 * nor time spent waiting. valgrind runs the code paths of the CPU it emulates, which lacks some extensions (SHA-NI):
 * hashing costs more instructions under it than on the machine.
 */
import { spawnSync } from 'node:child_process';
import { median, run, runOk, type Env } from './measure.js';

export interface Counted {
  readonly name: string;
  /** Millions of instructions, one count per run. */
  readonly counts: readonly number[];
}

export interface CountedCommand {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env: Env;
  /** Run before each counted run, not counted (e.g. clearing the cache for a cold call). */
  readonly prepare?: readonly string[];
}

/** valgrind's version, or why instructions cannot be counted here. */
export function valgrindVersion(): { version: string } | { missing: string } {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? { version: r.stdout.trim() } : { missing: 'valgrind is not installed (Debian: apt-get install valgrind)' };
}

/** "==123== Collected : 147238968" on valgrind's stderr. */
export function collectedOf(stderr: string): number | undefined {
  const m = /Collected : (\d+)/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

async function countOnce(c: CountedCommand): Promise<number> {
  if (c.prepare) await runOk(c.prepare, c.env);
  const r = await run(['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null', ...c.argv], c.env);
  const n = collectedOf(r.stderr);
  if (r.code !== 0 || n === undefined) throw new Error(`${c.name} under valgrind exited ${r.code}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  return n / 1e6;
}

/** `runs` counts of each command, the commands in turn. */
export async function countInstructions(commands: readonly CountedCommand[], runs: number): Promise<Counted[]> {
  const counts = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) for (const [n, c] of commands.entries()) counts[n]!.push(await countOnce(c));
  return commands.map((c, n) => ({ name: c.name, counts: counts[n]! }));
}

/** A figure of the table; `sameAt50`: the index of the figure it is compared with (the same at 50 profiles). */
export interface CountedFigure extends CountedCommand {
  readonly sameAt50?: number;
}

export interface CountedTable {
  readonly node: Counted;
  readonly figures: readonly CountedFigure[];
  /** Per checkout, one count per figure. */
  readonly trees: readonly (readonly Counted[])[];
}

const RUNS = 2;

/** Every checkout's figures (the same figures for each) and `node -e 0`, RUNS counts of each. */
export async function countFigures(node: CountedCommand, perTree: readonly (readonly CountedFigure[])[]): Promise<CountedTable> {
  const all = [node, ...perTree.flat()];
  // Commands with a preparation (a cold call's clear) after all the others: `clear` in one home also removes the MFA
  // session the homes share and the other home's role session made with it, which a later hit there would miss.
  const counts = new Map<CountedCommand, Counted>();
  for (const group of [all.filter((c) => !c.prepare), all.filter((c) => c.prepare)]) {
    (await countInstructions(group, RUNS)).forEach((c, k) => counts.set(group[k]!, c));
  }
  const counted = all.map((c) => counts.get(c)!);
  const n = perTree[0]?.length ?? 0;
  return { node: counted[0]!, figures: perTree[0] ?? [], trees: perTree.map((_, i) => counted.slice(1 + i * n, 1 + (i + 1) * n)) };
}

const medianOf = (x: Counted) => median(x.counts);
const shown = (x: Counted) => `${medianOf(x).toFixed(1)} M${x.counts.length > 1 ? ` (${x.counts.map((n) => n.toFixed(1)).join(', ')})` : ''}`;

export function printInstructions(labels: readonly string[], table: CountedTable, valgrind: string): void {
  const node = medianOf(table.node);
  console.log(`\ninstructions (${valgrind}, callgrind; millions, median of ${table.node.counts.length} runs; the process's own, not the daemons' nor waiting):\n`);
  console.log(`| figure | ${labels.join(' | ')} |`);
  console.log(`| --- | ${labels.map(() => '---').join(' | ')} |`);
  console.log(`| \`node -e 0\` | ${labels.map(() => shown(table.node)).join(' | ')} |`);
  table.figures.forEach((figure, i) => {
    const cells = table.trees.map((counted) => {
      const x = counted[i]!;
      const base = figure.sameAt50 === undefined ? undefined : counted[figure.sameAt50];
      const atScale = base ? `, ${(medianOf(x) / medianOf(base)).toFixed(2)}× the same at 50` : '';
      return `${shown(x)}: ${(medianOf(x) / node).toFixed(2)}× node -e 0${atScale}`;
    });
    console.log(`| ${figure.name} | ${cells.join(' | ')} |`);
  });
}
