/**
 * `npm run bench`: how long `xacct credential-process` takes, against a private GNOME Keyring and moto behind the
 * counting STS proxy (the test helpers), side by side with bare `node -e 0` in the same run. Prints a table and
 * exits 0; it is never part of `npm test`. Options: --runs N (default 30), --warmup N (5), --no-hyperfine.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEnv, type TestEnv } from '../test/helpers/env.js';
import { onPath } from '../test/helpers/tools.js';
import { hyperfineVersion, median, peakRssMiB, run, runOk, timeCommands, type Env, type Timing } from './measure.js';

/** Compiled to .tmp/bench/bench/run.js (tsconfig.bench.json). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const XACCT = join(ROOT, 'bin/xacct.js');
const PROFILE = 'prod-admin';
const AWS_PROFILE = 'bench-aws-role';
const PARALLEL = 32;
const ROLE_ARN = 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole';

interface Options {
  runs: number;
  warmup: number;
  hyperfine: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const opts: Options = { runs: 30, warmup: 5, hyperfine: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs' || a === '--warmup') opts[a === '--runs' ? 'runs' : 'warmup'] = Number(argv[++i]);
    else if (a === '--no-hyperfine') opts.hyperfine = false;
    else throw new Error(`unknown option ${a} (--runs N, --warmup N, --no-hyperfine)`);
  }
  return opts;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const row = (label: string, value: string, note = '') => `  ${label.padEnd(44)}${value.padStart(12)}   ${note}`;
const check = (ok: boolean) => (ok ? 'ok' : 'MISSED');

function stats(t: Timing): string {
  const cpu = t.cpuMs === undefined ? '' : `; CPU ${ms(t.cpuMs)} a run`;
  return `min ${ms(Math.min(...t.samples))}, max ${ms(Math.max(...t.samples))}, ${t.samples.length} runs${cpu}`;
}

/** A profile map with one source of long-term keys (no MFA: a cold call is one AssumeRole) and the AWS CLI's own role profile. */
async function setUp(t: TestEnv): Promise<Env> {
  t.home.write('.config/xacct/config.toml', `[sources.identity]\nregion = "eu-west-1"\n\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "OrganizationAccountAccessRole"\n`);
  t.home.write('.aws/credentials', `[bench-aws-source]\naws_access_key_id = ${t.user.accessKeyId}\naws_secret_access_key = ${t.user.secretAccessKey}\n`);
  t.home.write('.aws/config', `[profile ${AWS_PROFILE}]\nrole_arn = ${ROLE_ARN}\nsource_profile = bench-aws-source\nregion = eu-west-1\n`);
  const env: Env = { ...t.env };
  delete env.NODE_EXTRA_CA_CERTS;
  await runOk(['node', XACCT, 'add', 'identity'], { ...env, AWS_ACCESS_KEY_ID: t.user.accessKeyId, AWS_SECRET_ACCESS_KEY: t.user.secretAccessKey });
  return env;
}

/** The AWS CLI's own cached role session, where it has `configure export-credentials` (v2; v1 has not). */
async function awsCliTiming(env: Env, opts: Options): Promise<Timing | string> {
  if (!onPath('aws')) return 'skipped: no aws on PATH';
  const version = await run(['aws', '--version'], env);
  const argv = ['aws', 'configure', 'export-credentials', '--profile', AWS_PROFILE];
  // The first run assumes the role against moto (AWS_ENDPOINT_URL_STS) and caches it; the timed ones hit that cache.
  if ((await run(argv, env)).code !== 0) {
    return `skipped: ${(version.stdout || version.stderr).split(' ')[0]} has no \`configure export-credentials\` (AWS CLI v2 has)`;
  }
  const [timing] = await timeCommands([{ name: 'aws configure export-credentials (hit)', argv }], env, opts);
  return timing!;
}

/** Wall time of `n` runs started together, until the last exits. */
async function allAtOnce(argv: readonly string[], env: Env, n: number): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: n }, () => runOk(argv, env)));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** All at once on a cold cache; the wall time until the last exits. */
async function parallelCold(env: Env, t: TestEnv, n: number): Promise<{ wallMs: number; assumeRoles: number; distinct: number }> {
  await runOk(['node', XACCT, 'clear'], env);
  t.sts.reset();
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: n }, () => run(['node', XACCT, 'credential-process', PROFILE], env)));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const failed = results.find((r) => r.code !== 0);
  if (failed) throw new Error(`a parallel credential-process failed: ${failed.stderr.trim()}`);
  return { wallMs, assumeRoles: t.sts.count('AssumeRole'), distinct: new Set(results.map((r) => r.stdout)).size };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist/fast/credential-process-hit.cjs'))) throw new Error('dist/ is missing: npm run build');
  const hf = opts.hyperfine ? hyperfineVersion() : undefined;
  opts.hyperfine = hf !== undefined;

  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
  const t = await startEnv({ keyring: true, sts: true });
  try {
    const env = await setUp(t);
    const hit = ['node', XACCT, 'credential-process', PROFILE];
    await runOk(hit, env); // the slow path caches the session and writes the index
    const debug = await runOk(hit, { ...env, XACCT_DEBUG: '1' });
    if (!debug.stderr.includes('fast path')) throw new Error(`the second call was not a fast-path hit: ${debug.stderr.trim()}`);

    const [node, cacheHit, fullHit] = await timeCommands(
      [
        { name: 'node -e 0', argv: ['node', '-e', '0'] },
        { name: 'xacct credential-process (hit)', argv: hit },
        // An option the fast path does not take: the same cache hit through the whole CLI.
        { name: 'xacct credential-process --region (hit)', argv: [...hit, '--region', 'eu-west-1'] },
      ],
      env,
      opts,
    );
    const rss = await Promise.all(Array.from({ length: 5 }, () => peakRssMiB(hit, env)));
    const nodeRss = await peakRssMiB(['node', '-e', '0'], env);

    t.sts.reset();
    const missRuns = Math.max(5, Math.round(opts.runs / 3));
    const [miss] = await timeCommands(
      [{ name: 'xacct credential-process (miss)', argv: hit, prepare: ['node', XACCT, 'clear', PROFILE] }],
      env,
      { ...opts, runs: missRuns, warmup: 1 },
    );
    const missAssumeRoles = t.sts.count('AssumeRole');
    const aws = await awsCliTiming(env, opts);

    // Side by side in rounds, so that the comparison is not skewed by load that comes and goes.
    const cold: number[] = [];
    const parallel = [];
    const bareParallel: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 2; j++) {
        await runOk(['node', XACCT, 'clear'], env);
        cold.push((await runOk(hit, env)).ms);
      }
      parallel.push(await parallelCold(env, t, PARALLEL));
      bareParallel.push(await allAtOnce(['node', '-e', '0'], env, PARALLEL));
    }

    const nodeMs = median(node!.samples);
    const hitMs = median(cacheHit!.samples);
    const coldMs = median(cold);
    const parallelMs = median(parallel.map((p) => p.wallMs));
    const maxRss = Math.max(...rss.map((r) => r ?? NaN));
    const cpu = cpus();

    console.log(`xacct credential-process bench (${new Date().toISOString()})`);
    console.log(`  machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, node ${process.version}`);
    console.log(
      `  timing: ${hf ?? 'spawn loop'}, medians of ${opts.runs} runs (in 5 rounds of all commands in turn) after ${opts.warmup} warm-up; ` +
        `NODE_EXTRA_CA_CERTS unset; load average before: ${loadBefore}\n`,
    );
    console.log(row('node -e 0', ms(nodeMs), stats(node!)));
    console.log(row('credential-process, cache hit (fast path)', ms(hitMs), stats(cacheHit!)));
    const cpuRatio = cacheHit!.cpuMs && node!.cpuMs ? `; in CPU time ${(cacheHit!.cpuMs / node!.cpuMs).toFixed(2)}×` : '';
    console.log(row('  ratio hit / node -e 0', `${(hitMs / nodeMs).toFixed(2)}×`, `target ≤ 1.70× ${check(hitMs / nodeMs <= 1.7)}${cpuRatio}`));
    console.log(row('same hit through the full CLI (--region)', ms(median(fullHit!.samples)), stats(fullHit!)));
    console.log(row('credential-process, cache miss (AssumeRole)', ms(median(miss!.samples)), `${stats(miss!)}; ${missAssumeRoles} AssumeRole for ${missAssumeRoles === missRuns + 5 ? 'as many runs' : `${missRuns + 5} runs`} (warm-ups included)`));
    console.log(row('aws configure export-credentials, hit', typeof aws === 'string' ? '–' : ms(median(aws.samples)), typeof aws === 'string' ? aws : stats(aws)));
    console.log(row('peak RSS, cache hit', Number.isNaN(maxRss) ? '–' : `${maxRss.toFixed(1)} MiB`, `highest of 5; node -e 0: ${nodeRss?.toFixed(1) ?? '–'} MiB; target < 60 MB ${check(maxRss * 1.048576 < 60)}`));
    console.log(row('one cold call', ms(coldMs), 'median of 6, taken between the rounds below'));
    console.log(
      row(
        `${PARALLEL} cold calls at once, wall time`,
        ms(parallelMs),
        `${(parallelMs / coldMs).toFixed(2)}× one cold call (target < 2× ${check(parallelMs < 2 * coldMs)}); median of 3; ` +
          `AssumeRole per round: ${parallel.map((p) => p.assumeRoles).join(', ')}; distinct outputs: ${parallel.map((p) => p.distinct).join(', ')}`,
      ),
    );
    console.log(row(`  for scale: ${PARALLEL} × node -e 0 at once`, ms(median(bareParallel)), 'median of 3: the floor on this machine\'s cores'));
  } finally {
    await t.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
