/**
 * `npm run bench`: every figure of xacct's speed side by side in one run, against a private GNOME Keyring and moto
 * behind the checking STS proxy (the test helpers): bare `node -e 0`; a cached `credential-process` (the fast path);
 * the same through the whole CLI; a cold call (GetSessionToken + AssumeRole, the source an AWS profile with
 * `mfa_process`); a cold AssumeRole with the MFA session cached; 32 cold calls at once; each of them again with a
 * map of 25,000 profiles; the AWS CLI v2's own cache hit where v2 ≥ 2.13 is installed; instructions under valgrind.
 * Commands take turns in rounds, so load from elsewhere falls on all alike; the targets are ratios within the run.
 * Exits 0; never part of `npm test`. Options: --runs N (default 30), --warmup N (3), --no-hyperfine, --against DIR
 * (another built checkout, measured in the same runs with a cache folder of its own), --no-instructions (~2 min less).
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awsCliHit } from './aws-cli.js';
import { countFigures, printInstructions, type CountedFigure } from './instructions.js';
import { hyperfineVersion, median, peakRssMiB, run, runOk, timeCommands, type Env, type Timing } from './measure.js';
import { PROFILE, startWorld, type BenchWorld, type Scale } from './setup.js';
import { ms, printCpu, printTable, x, type Row } from './report.js';

/** Compiled to .tmp/bench/bench/run.js (tsconfig.bench.json). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const XACCT = join(ROOT, 'bin/xacct.js');
const PARALLEL = 32;

interface Options {
  runs: number;
  warmup: number;
  hyperfine: boolean;
  instructions: boolean;
  /** Another checkout of xacct (built), measured in the same run, in the same rounds: `--against /work/main`. */
  against?: string;
}

function parseOptions(argv: readonly string[]): Options {
  const opts: Options = { runs: 30, warmup: 3, hyperfine: true, instructions: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs' || a === '--warmup') opts[a === '--runs' ? 'runs' : 'warmup'] = Number(argv[++i]);
    else if (a === '--no-hyperfine') opts.hyperfine = false;
    else if (a === '--no-instructions') opts.instructions = false;
    else if (a === '--against' && argv[i + 1]) opts.against = argv[++i];
    else throw new Error(`unknown option ${a} (--runs N, --warmup N, --no-hyperfine, --no-instructions, --against DIR)`);
  }
  return opts;
}

/**
 * One checkout measured: its launcher, and the cache folder it is given (each its own: the index of the fast path,
 * the kept parses and the code cache may differ between versions; the keyring, maps and AWS files are shared).
 */
interface Tree {
  readonly label: string;
  readonly bin: string;
  readonly env: (scale: Scale) => Env;
}

function treesOf(opts: Options): Tree[] {
  const self: Tree = { label: 'this checkout', bin: XACCT, env: (s) => s.env };
  if (!opts.against) return [self];
  const bin = join(opts.against, 'bin/xacct.js');
  if (!existsSync(join(opts.against, 'dist/fast/credential-process-hit.cjs'))) throw new Error(`${opts.against}: not built (npm run build there)`);
  return [self, { label: opts.against, bin, env: (s) => ({ ...s.env, XDG_CACHE_HOME: `${s.env.XDG_CACHE_HOME}-against` }) }];
}

const xacctOf = (t: Tree) => (...args: string[]) => ['node', t.bin, ...args];
const hitOf = (t: Tree) => xacctOf(t)('credential-process', PROFILE);
// An option the fast path does not take: the same cached session through the whole CLI.
const fullOf = (t: Tree) => [...hitOf(t), '--region', 'eu-west-1'];

/** The calls measured, timed and counted alike: a cold call is a hit after `clear` (GST + AR) or `clear <profile>` (AR). */
function callsOf(t: Tree, s: Scale) {
  const env = t.env(s);
  return {
    hit: { argv: hitOf(t), env },
    full: { argv: fullOf(t), env },
    coldGst: { argv: hitOf(t), env, prepare: xacctOf(t)('clear') },
    coldAr: { argv: hitOf(t), env, prepare: xacctOf(t)('clear', PROFILE) },
  };
}

/** The first full call caches the session and writes the index; then the fast path must answer. */
async function primeHit(t: Tree, scale: Scale): Promise<void> {
  const env = t.env(scale);
  await runOk(hitOf(t), env);
  const debug = await runOk(hitOf(t), { ...env, XACCT_DEBUG: '1' });
  if (!debug.stderr.includes('served from the cache')) throw new Error(`${t.label}, ${scale.label}: the second call was not a fast-path hit: ${debug.stderr.trim()}`);
}

/** All at once on a cold cache (no MFA session, no role session); the wall time until the last exits. */
async function parallelCold(w: BenchWorld, t: Tree, env: Env): Promise<{ ms: number; calls: string }> {
  await runOk(xacctOf(t)('clear'), env);
  w.t.sts.reset();
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: PARALLEL }, () => run(hitOf(t), env)));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const failed = results.find((r) => r.code !== 0);
  if (failed) throw new Error(`a parallel credential-process failed: ${failed.stderr.trim()}`);
  const distinct = new Set(results.map((r) => r.stdout)).size;
  return { ms, calls: `${w.t.sts.count('GetSessionToken')} GST, ${w.t.sts.count('AssumeRole')} AR, ${distinct} distinct` };
}

async function bareParallel(env: Env): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: PARALLEL }, () => runOk(['node', '-e', '0'], env)));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The CPU time of a timing for a row, where hyperfine measured one. */
const cpuOf = (t: Timing): Pick<Row, 'cpu'> => (t.cpuMs === undefined ? {} : { cpu: t.cpuMs });

const spread = (t: Timing) => `${ms(Math.min(...t.samples))}–${ms(Math.max(...t.samples))}, ${t.samples.length} runs${t.cpuMs === undefined ? '' : `, CPU ${ms(t.cpuMs)}`}`;

/** The timings of one checkout, in the order rowsOf reads them. */
interface Measured {
  warm: Timing[];
  cold: Timing[];
  parallel: { small: number[]; large: number[]; calls: string[] };
}

function rowsOf(m: Measured, node: Timing, bare: number[]): Row[] {
  const nodeMs = median(node.samples);
  const [hitS, fullS, hitL, fullL, fullE] = m.warm.map((t) => median(t.samples)) as [number, number, number, number, number];
  const [gstS, arS, gstL, arL] = m.cold.map((t) => median(t.samples)) as [number, number, number, number];
  const [parS, parL, bareMs] = [median(m.parallel.small), median(m.parallel.large), median(bare)];
  const vsNode = (figure: string, v: number, target: number, t: Timing): Row => ({
    figure,
    value: v,
    ratio: `${x(v, nodeMs)} node -e 0`,
    target: `≤ ${target}×`,
    met: v / nodeMs <= target,
    note: spread(t),
    ...cpuOf(t),
  });
  const atScale = (figure: string, v: number, base: number, t?: Timing): Row => ({
    figure,
    value: v,
    ratio: `${x(v, base)} the same at 50`,
    target: '≤ 1.2×',
    met: v / base <= 1.2,
    ...(t ? { note: spread(t), ...cpuOf(t) } : {}),
  });
  const parallelLimit = bareMs + 1.2 * gstS;
  return [
    { figure: '`node -e 0`', value: nodeMs, note: spread(node), ...cpuOf(node) },
    vsNode('cache hit (fast path)', hitS, 1.4, m.warm[0]!),
    vsNode('full path: the same session through the whole CLI (`--region`)', fullS, 3, m.warm[1]!),
    vsNode('cold: GetSessionToken + AssumeRole (AWS-profile source, `mfa_process`)', gstS, 6, m.cold[0]!),
    { figure: 'cold: AssumeRole only (MFA session cached)', value: arS, ratio: `${x(arS, nodeMs)} node -e 0`, note: spread(m.cold[1]!), ...cpuOf(m.cold[1]!) },
    { figure: `${PARALLEL} cold calls at once`, value: parS, ratio: `${x(parS, gstS)} one cold call`, target: `≤ ${ms(bareMs)} + 1.2 × ${ms(gstS)} = ${ms(parallelLimit)}`, met: parS <= parallelLimit, note: `rounds: ${m.parallel.small.map(ms).join(', ')}` },
    { figure: `${PARALLEL} × \`node -e 0\` at once`, value: bareMs, note: `rounds: ${bare.map(ms).join(', ')}` },
    atScale('25,000 profiles: cache hit', hitL, hitS, m.warm[2]),
    atScale('25,000 profiles: full path', fullL, fullS, m.warm[3]),
    atScale('25,000 profiles: cold GetSessionToken + AssumeRole', gstL, gstS, m.cold[2]),
    atScale('25,000 profiles: cold AssumeRole only', arL, arS, m.cold[3]),
    { ...atScale(`25,000 profiles: ${PARALLEL} cold calls at once`, parL, parS), note: `rounds: ${m.parallel.large.map(ms).join(', ')}` },
    atScale('25,000 profiles and their 25,000 `aws-config --write` entries in ~/.aws/config: full path', fullE, fullS, m.warm[4]),
  ];
}

/** Counted under valgrind for each checkout (instructions.ts): the hit and the full path at 50 and 25,000 profiles, both cold calls. */
function countedFigures(t: Tree, { small, large }: BenchWorld): CountedFigure[] {
  const [s, l] = [callsOf(t, small), callsOf(t, large)];
  return [
    { name: 'cache hit', ...s.hit },
    { name: 'full path', ...s.full },
    { name: '25,000 profiles: cache hit', ...l.hit, sameAt50: 0 },
    { name: '25,000 profiles: full path', ...l.full, sameAt50: 1 },
    { name: 'cold: GetSessionToken + AssumeRole', ...s.coldGst },
    { name: 'cold: AssumeRole only', ...s.coldAr },
  ];
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist/fast/credential-process-hit.cjs'))) throw new Error('dist/ is missing: npm run build');
  const trees = treesOf(opts);
  const hf = opts.hyperfine ? hyperfineVersion() : undefined;
  opts.hyperfine = hf !== undefined;
  const loadBefore = loadavg();
  const began = Date.now();

  const w = await startWorld();
  try {
    const { small, large, largeWithEntries } = w;
    const first = trees[0]!;
    await runOk(xacctOf(first)('list'), large.env); // the large map is valid
    await runOk(xacctOf(first)('aws-config', '--write'), largeWithEntries.env);
    for (const t of trees) for (const s of [small, large, largeWithEntries]) await primeHit(t, s);

    // Every checkout's commands in the same hyperfine runs: load from elsewhere falls on all alike.
    const per = trees.length;
    const warm = await timeCommands(
      [
        { name: 'node -e 0', argv: ['node', '-e', '0'] },
        ...trees.flatMap((t, i) => [
          ...[small, large].flatMap((s) => [
            { name: `hit, ${s.label} (${i})`, ...callsOf(t, s).hit },
            { name: `full, ${s.label} (${i})`, ...callsOf(t, s).full },
          ]),
          { name: `full, ${largeWithEntries.label} (${i})`, ...callsOf(t, largeWithEntries).full },
        ]),
      ],
      small.env,
      opts,
    );
    const coldRuns = Math.max(5, Math.round(opts.runs / 2));
    const cold = await timeCommands(
      trees.flatMap((t, i) =>
        [small, large].flatMap((s) => [
          { name: `cold GST+AR, ${s.label} (${i})`, ...callsOf(t, s).coldGst },
          { name: `cold AR, ${s.label} (${i})`, ...callsOf(t, s).coldAr },
        ]),
      ),
      small.env,
      { ...opts, runs: coldRuns, warmup: 1 },
    );
    w.t.sts.reset();
    await runOk(xacctOf(first)('clear'), small.env);
    await runOk(hitOf(first), small.env);
    const oneCold = { gst: w.t.sts.count('GetSessionToken'), ar: w.t.sts.count('AssumeRole') };

    // Rounds of: 32 cold at once with each map (each checkout in turn), and 32 bare node starts, side by side.
    const measured: Measured[] = trees.map((_, i) => ({
      warm: warm.slice(1 + i * 5, 1 + (i + 1) * 5),
      cold: cold.slice(i * 4, (i + 1) * 4),
      parallel: { small: [], large: [], calls: [] },
    }));
    const bare: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, t] of trees.entries()) {
        const a = await parallelCold(w, t, t.env(small));
        const b = await parallelCold(w, t, t.env(large));
        measured[i]!.parallel.small.push(a.ms);
        measured[i]!.parallel.large.push(b.ms);
        measured[i]!.parallel.calls.push(a.calls, b.calls);
      }
      bare.push(await bareParallel(small.env));
    }
    const aws = await awsCliHit(small.env, opts);
    const rss = Math.max(...(await Promise.all(Array.from({ length: 3 }, () => peakRssMiB(hitOf(first), small.env)))).map((r) => r ?? NaN));
    const nodeRss = await peakRssMiB(['node', '-e', '0'], small.env);
    const counted = opts.instructions ? await countFigures({ name: 'node -e 0', argv: ['node', '-e', '0'], env: small.env }, trees.map((t) => countedFigures(t, w))) : 'not counted (--no-instructions)';

    const rows = measured.map((m) => rowsOf(m, warm[0]!, bare));
    const hitS = median(measured[0]!.warm[0]!.samples);
    if (typeof aws !== 'string') rows[0]!.push({ figure: 'AWS CLI v2 `configure export-credentials`, its cache hit', value: median(aws.samples), ratio: `${x(median(aws.samples), hitS)} xacct's hit`, note: spread(aws) });

    const cpu = cpus();
    console.log(`xacct bench, ${new Date().toISOString()}`);
    console.log(`machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, node ${process.version}`);
    console.log(
      `timing: ${hf ?? 'a spawn loop'}; medians of ${opts.runs} runs (cold: ${coldRuns}; at once: 3 rounds), in rounds of all commands in turn; ` +
        `NODE_EXTRA_CA_CERTS unset; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
        `${loadavg().map((l) => l.toFixed(2)).join(' ')} after; ${((Date.now() - began) / 1000).toFixed(0)} s\n`,
    );
    for (const [i, t] of trees.entries()) {
      if (per > 1) console.log(`\n${t.label}:\n`);
      printTable(rows[i]!);
    }
    if (opts.hyperfine) {
      console.log('');
      printCpu(trees.map((t) => t.label), rows);
    }
    console.log(`\nSTS calls: one cold call ${oneCold.gst} GST + ${oneCold.ar} AR; ${PARALLEL} at once, per round: ${measured[0]!.parallel.calls.join('; ')}`);
    console.log(`peak RSS of a cache hit ${rss.toFixed(1)} MiB (node -e 0: ${nodeRss?.toFixed(1) ?? '–'} MiB)`);
    if (typeof aws === 'string') console.log(`AWS CLI v2 cache hit: ${aws}`);
    if (typeof counted === 'string') console.log(`instructions: ${counted}`);
    else printInstructions(trees.map((t) => t.label), counted);
  } finally {
    await w.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
