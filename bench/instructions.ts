/**
 * Instructions a command runs, counted by valgrind's callgrind: unlike wall or CPU time, the same for the same
 * binary, inputs and environment whatever else the machine is doing, and the same on another machine (where the
 * wall-time ratios were not: two machines of this kind, one meeting targets of issue 16 the other missed). It
 * counts the process's own instructions only: not the keyring daemon's, the bus's, moto's or a child's (mfa_process),
 * nor time spent waiting. valgrind runs the code paths of the CPU it emulates, which lacks some extensions (SHA-NI):
 * hashing costs more instructions under it than on the machine.
 */
import { spawnSync } from 'node:child_process';
import { median, run, runOk, type Command, type Env } from './measure.js';

export interface Counted {
  readonly name: string;
  /** Millions of instructions, one count per run. */
  readonly counts: readonly number[];
}

/** A command of the bench (measure.ts) with its own environment; `sameAt50`: the index of the figure it is compared with. */
export interface CountedFigure extends Command {
  readonly env: Env;
  readonly sameAt50?: number;
}

/** valgrind's version, or undefined when it is not installed. */
function valgrindVersion(): string | undefined {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function countOnce(c: CountedFigure): Promise<number> {
  if (c.prepare) await runOk(c.prepare, c.env);
  const r = await run(['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null', ...c.argv], c.env);
  // "==123== Collected : 147238968" on valgrind's stderr.
  const n = /Collected : (\d+)/.exec(r.stderr)?.[1];
  if (r.code !== 0 || n === undefined) throw new Error(`${c.name} under valgrind exited ${r.code}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  return Number(n) / 1e6;
}

/** `runs` counts of each command, the commands in turn. */
async function countInstructions(commands: readonly CountedFigure[], runs: number): Promise<Counted[]> {
  const counts = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) for (const [n, c] of commands.entries()) counts[n]!.push(await countOnce(c));
  return commands.map((c, n) => ({ name: c.name, counts: counts[n]! }));
}

export interface CountedTable {
  readonly valgrind: string;
  readonly node: Counted;
  readonly figures: readonly CountedFigure[];
  /** Per checkout, one count per figure. */
  readonly trees: readonly (readonly Counted[])[];
}

const RUNS = 2;

/** Every checkout's figures (the same figures for each) and `node -e 0`, RUNS counts of each; or why they cannot be counted. */
export async function countFigures(node: CountedFigure, perTree: readonly (readonly CountedFigure[])[]): Promise<CountedTable | string> {
  const valgrind = valgrindVersion();
  if (!valgrind) return 'valgrind is not installed (Debian: apt-get install valgrind)';
  const all = [node, ...perTree.flat()];
  // Commands with a preparation (a cold call's clear) after all the others: `clear` in one home also removes the MFA
  // session the homes share and the other home's role session made with it, which a later hit there would miss.
  const counts = new Map<CountedFigure, Counted>();
  for (const group of [all.filter((c) => !c.prepare), all.filter((c) => c.prepare)]) {
    (await countInstructions(group, RUNS)).forEach((c, k) => counts.set(group[k]!, c));
  }
  const counted = all.map((c) => counts.get(c)!);
  const n = perTree[0]?.length ?? 0;
  return { valgrind, node: counted[0]!, figures: perTree[0] ?? [], trees: perTree.map((_, i) => counted.slice(1 + i * n, 1 + (i + 1) * n)) };
}

const medianOf = (x: Counted) => median(x.counts);
const shown = (x: Counted) => `${medianOf(x).toFixed(1)} M${x.counts.length > 1 ? ` (${x.counts.map((n) => n.toFixed(1)).join(', ')})` : ''}`;

export function printInstructions(labels: readonly string[], table: CountedTable): void {
  const node = medianOf(table.node);
  console.log(`\ninstructions (${table.valgrind}, callgrind; millions, median of ${table.node.counts.length} runs; the process's own, not the daemons' nor waiting):\n`);
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
