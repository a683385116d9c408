/**
 * `npm run bench`: every figure of xacct's speed side by side in one run, against a private GNOME Keyring and moto
 * behind the checking STS proxy (the test helpers): bare `node -e 0`; a cached `credential-process` (the fast path);
 * the same through the whole CLI; a cold call (GetSessionToken + AssumeRole, the source an AWS profile with
 * `mfa_process`); a cold AssumeRole with the MFA session cached; 32 cold calls at once; each of them again with a
 * map of 25,000 profiles; and the AWS CLI v2's own cache hit where v2 ≥ 2.13 is installed. Commands take turns in
 * rounds, so load from elsewhere falls on all alike; the targets are ratios within the run. Prints a table and
 * exits 0; never part of `npm test`. Options: --runs N (default 30), --warmup N (3), --no-hyperfine.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awsCliHit } from './aws-cli.js';
import { hyperfineVersion, median, peakRssMiB, run, runOk, timeCommands, type Env, type Timing } from './measure.js';
import { PROFILE, startWorld, type BenchWorld, type Scale } from './setup.js';

/** Compiled to .tmp/bench/bench/run.js (tsconfig.bench.json). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const XACCT = join(ROOT, 'bin/xacct.js');
const PARALLEL = 32;

interface Options {
  runs: number;
  warmup: number;
  hyperfine: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const opts: Options = { runs: 30, warmup: 3, hyperfine: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs' || a === '--warmup') opts[a === '--runs' ? 'runs' : 'warmup'] = Number(argv[++i]);
    else if (a === '--no-hyperfine') opts.hyperfine = false;
    else throw new Error(`unknown option ${a} (--runs N, --warmup N, --no-hyperfine)`);
  }
  return opts;
}

const xacct = (...args: string[]) => ['node', XACCT, ...args];
const hit = xacct('credential-process', PROFILE);
// An option the fast path does not take: the same cached session through the whole CLI.
const full = [...hit, '--region', 'eu-west-1'];

/** The first full call caches the session and writes the index; then the fast path must answer. */
async function primeHit(scale: Scale): Promise<void> {
  await runOk(hit, scale.env);
  const debug = await runOk(hit, { ...scale.env, XACCT_DEBUG: '1' });
  if (!debug.stderr.includes('served from the cache')) throw new Error(`${scale.label}: the second call was not a fast-path hit: ${debug.stderr.trim()}`);
}

/** All at once on a cold cache (no MFA session, no role session); the wall time until the last exits. */
async function parallelCold(w: BenchWorld, env: Env): Promise<{ ms: number; calls: string }> {
  await runOk(xacct('clear'), env);
  w.t.sts.reset();
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: PARALLEL }, () => run(hit, env)));
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

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

interface Row {
  readonly figure: string;
  readonly value: number;
  readonly ratio?: string;
  readonly target?: string;
  readonly met?: boolean;
  readonly note?: string;
}

function printTable(rows: readonly Row[]): void {
  console.log('| figure | median | ratio | target | met | runs |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const met = r.met === undefined ? '' : verdict(r.met);
    console.log(`| ${r.figure} | ${ms(r.value)} | ${r.ratio ?? ''} | ${r.target ?? ''} | ${met} | ${r.note ?? ''} |`);
  }
}

const spread = (t: Timing) => `${ms(Math.min(...t.samples))}–${ms(Math.max(...t.samples))}, ${t.samples.length} runs${t.cpuMs === undefined ? '' : `, CPU ${ms(t.cpuMs)}`}`;

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist/fast/credential-process-hit.cjs'))) throw new Error('dist/ is missing: npm run build');
  const hf = opts.hyperfine ? hyperfineVersion() : undefined;
  opts.hyperfine = hf !== undefined;
  const loadBefore = loadavg();
  const began = Date.now();

  const w = await startWorld();
  try {
    const { small, large, largeWithEntries } = w;
    await runOk(xacct('list'), large.env); // the large map is valid
    await runOk(xacct('aws-config', '--write'), largeWithEntries.env);
    for (const s of [small, large, largeWithEntries]) await primeHit(s);

    const warm = await timeCommands(
      [
        { name: 'node -e 0', argv: ['node', '-e', '0'] },
        ...[small, large].flatMap((s) => [
          { name: `hit, ${s.label}`, argv: hit, env: s.env },
          { name: `full, ${s.label}`, argv: full, env: s.env },
        ]),
        { name: `full, ${largeWithEntries.label}`, argv: full, env: largeWithEntries.env },
      ],
      small.env,
      opts,
    );
    const coldRuns = Math.max(5, Math.round(opts.runs / 2));
    const cold = await timeCommands(
      [small, large].flatMap((s) => [
        { name: `cold GST+AR, ${s.label}`, argv: hit, env: s.env, prepare: xacct('clear') },
        { name: `cold AR, ${s.label}`, argv: hit, env: s.env, prepare: xacct('clear', PROFILE) },
      ]),
      small.env,
      { ...opts, runs: coldRuns, warmup: 1 },
    );
    w.t.sts.reset();
    await runOk(xacct('clear'), small.env);
    await runOk(hit, small.env);
    const oneCold = { gst: w.t.sts.count('GetSessionToken'), ar: w.t.sts.count('AssumeRole') };

    // Rounds of: 32 cold at once with each map, and 32 bare node starts, side by side.
    const parallel: { small: number[]; large: number[]; bare: number[]; calls: string[] } = { small: [], large: [], bare: [], calls: [] };
    for (let i = 0; i < 3; i++) {
      const a = await parallelCold(w, small.env);
      const b = await parallelCold(w, large.env);
      parallel.small.push(a.ms);
      parallel.large.push(b.ms);
      parallel.calls.push(a.calls, b.calls);
      parallel.bare.push(await bareParallel(small.env));
    }
    const aws = await awsCliHit(small.env, opts);
    const rss = Math.max(...(await Promise.all(Array.from({ length: 3 }, () => peakRssMiB(hit, small.env)))).map((r) => r ?? NaN));
    const nodeRss = await peakRssMiB(['node', '-e', '0'], small.env);

    const [node, hitS, fullS, hitL, fullL, fullE] = warm.map((t) => median(t.samples)) as [number, number, number, number, number, number];
    const [gstS, arS, gstL, arL] = cold.map((t) => median(t.samples)) as [number, number, number, number];
    const [parS, parL, bare] = [median(parallel.small), median(parallel.large), median(parallel.bare)];
    const x = (v: number, base: number) => `${(v / base).toFixed(2)}×`;
    const vsNode = (figure: string, v: number, target: number, t: Timing): Row => ({
      figure,
      value: v,
      ratio: `${x(v, node)} node -e 0`,
      target: `≤ ${target}×`,
      met: v / node <= target,
      note: spread(t),
    });
    const atScale = (figure: string, v: number, base: number, t?: Timing): Row => ({
      figure,
      value: v,
      ratio: `${x(v, base)} the same at 50`,
      target: '≤ 1.2×',
      met: v / base <= 1.2,
      ...(t ? { note: spread(t) } : {}),
    });
    const parallelLimit = bare + 1.2 * gstS;
    const rows: Row[] = [
      { figure: '`node -e 0`', value: node, note: spread(warm[0]!) },
      vsNode('cache hit (fast path)', hitS, 1.4, warm[1]!),
      vsNode('full path: the same session through the whole CLI (`--region`)', fullS, 3, warm[2]!),
      vsNode('cold: GetSessionToken + AssumeRole (AWS-profile source, `mfa_process`)', gstS, 6, cold[0]!),
      { figure: 'cold: AssumeRole only (MFA session cached)', value: arS, ratio: `${x(arS, node)} node -e 0`, note: spread(cold[1]!) },
      { figure: `${PARALLEL} cold calls at once`, value: parS, ratio: `${x(parS, gstS)} one cold call`, target: `≤ ${ms(bare)} + 1.2 × ${ms(gstS)} = ${ms(parallelLimit)}`, met: parS <= parallelLimit, note: `rounds: ${parallel.small.map(ms).join(', ')}` },
      { figure: `${PARALLEL} × \`node -e 0\` at once`, value: bare, note: `rounds: ${parallel.bare.map(ms).join(', ')}` },
      atScale('25,000 profiles: cache hit', hitL, hitS, warm[3]),
      atScale('25,000 profiles: full path', fullL, fullS, warm[4]),
      atScale('25,000 profiles: cold GetSessionToken + AssumeRole', gstL, gstS, cold[2]),
      atScale('25,000 profiles: cold AssumeRole only', arL, arS, cold[3]),
      { ...atScale(`25,000 profiles: ${PARALLEL} cold calls at once`, parL, parS), note: `rounds: ${parallel.large.map(ms).join(', ')}` },
      atScale('25,000 profiles and their 25,000 `aws-config --write` entries in ~/.aws/config: full path', fullE, fullS, warm[5]),
    ];
    if (typeof aws !== 'string') rows.push({ figure: 'AWS CLI v2 `configure export-credentials`, its cache hit', value: median(aws.samples), ratio: `${x(median(aws.samples), hitS)} xacct's hit`, note: spread(aws) });

    const cpu = cpus();
    console.log(`xacct bench, ${new Date().toISOString()}`);
    console.log(`machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, node ${process.version}`);
    console.log(
      `timing: ${hf ?? 'a spawn loop'}; medians of ${opts.runs} runs (cold: ${coldRuns}; at once: 3 rounds), in rounds of all commands in turn; ` +
        `NODE_EXTRA_CA_CERTS unset; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
        `${loadavg().map((l) => l.toFixed(2)).join(' ')} after; ${((Date.now() - began) / 1000).toFixed(0)} s\n`,
    );
    printTable(rows);
    console.log(`\nSTS calls: one cold call ${oneCold.gst} GST + ${oneCold.ar} AR; ${PARALLEL} at once, per round: ${parallel.calls.join('; ')}`);
    console.log(`peak RSS of a cache hit ${rss.toFixed(1)} MiB (node -e 0: ${nodeRss?.toFixed(1) ?? '–'} MiB)`);
    if (typeof aws === 'string') console.log(`AWS CLI v2 cache hit: ${aws}`);
  } finally {
    await w.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
