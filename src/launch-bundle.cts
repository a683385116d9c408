/**
 * Loads dist/xacct.cjs (the CLI bundle, scripts/bundle.mjs) for the launcher, with V8's code cache: the build runs
 * the bundle once and keeps what V8 compiled in dist/xacct.cjs.v8cache, so that a call deserializes it instead of
 * parsing and compiling ~390 KB of JavaScript again (issue 16: ~9 ms of every command but a cached
 * credential-process). The cache is made by the same build as the bundle, in the same folder (it is no more to
 * trust than the bundle itself), and starts with a line holding the build id of the bundle it was made from and the
 * sha256 of the rest: V8 checks only its own version, flags and the source's length, and crashes on damaged data,
 * so nothing reaches it that is not exactly what the build wrote. Without a usable cache, and under XACCT_DEBUG
 * (source maps), a plain require.
 */
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import crypto = require('node:crypto');
import nodeModule = require('node:module');
import text = require('./core/text.cjs');
import paths = require('./core/xacct-paths.cjs');
import moduleCodeCache = require('./adapters/module-code-cache.cjs');

const BUNDLE = path.join(__dirname, 'xacct.cjs');
const CACHE = `${BUNDLE}.v8cache`;

/** The bundle's second line: `// build <id>` (scripts/bundle.mjs). */
function buildIdOf(source: string): string | undefined {
  return /^[^\n]*\n\/\/ build ([0-9a-f]{16,})\n/.exec(source)?.[1];
}

/**
 * CommonJS's wrapper, and one more parameter: code compiled by vm.Script cannot run `import()` in Node 20 (not
 * without --experimental-vm-modules), so the bundle's `import('@inquirer/prompts')` calls this one
 * (scripts/bundle.mjs rewrote them; required plainly, the bundle uses its own import()).
 */
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname, __xacctImport) { ${source}\n});`;
const dynamicImport = (specifier: string): Promise<unknown> => import(specifier);

interface Compiled {
  readonly script: vm.Script;
  readonly source: string;
}

/** The bundle compiled with the cache of its own build, or undefined (then require it). */
function compileWithCache(useCache: boolean, bundle = BUNDLE): Compiled | undefined {
  const source = fs.readFileSync(bundle, 'utf8');
  const id = buildIdOf(source);
  if (!id) return undefined;
  let cachedData: Buffer | undefined;
  if (useCache) {
    const cache = fs.readFileSync(`${bundle}.v8cache`);
    const nl = cache.indexOf(10);
    const [cacheId, digest] = nl < 0 ? [] : cache.subarray(0, nl).toString('latin1').split(' ');
    cachedData = cache.subarray(nl + 1);
    if (cacheId !== id || digest !== crypto.createHash('sha256').update(cachedData).digest('hex')) return undefined;
  }
  const script = new vm.Script(wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  if (cachedData && script.cachedDataRejected) return undefined;
  return { script, source };
}

/** Runs the compiled bundle as CommonJS module BUNDLE (in require's cache, as a require would). */
function run(compiled: Compiled): XacctBundle {
  const Module = nodeModule.Module as unknown as {
    new (id: string, parent?: NodeJS.Module): NodeJS.Module;
    _cache: Record<string, NodeJS.Module>;
    _nodeModulePaths(dir: string): string[];
  };
  const m = new Module(BUNDLE, module);
  m.filename = BUNDLE;
  m.paths = Module._nodeModulePaths(__dirname);
  Module._cache[BUNDLE] = m;
  const wrapper = compiled.script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(m.exports, m.exports, nodeModule.createRequire(BUNDLE), m, BUNDLE, __dirname, dynamicImport);
  m.loaded = true;
  return m.exports as XacctBundle;
}

interface XacctBundle {
  main(argv: string[]): Promise<number>;
}

/** The cache file written as every private file of xacct's is (only when a package's file had no usable data). */
async function writePrivately(folder: string, file: string, bytes: Buffer): Promise<void> {
  const { ensurePrivateDir, writeFileAtomic } = await import('./adapters/atomic-file.js');
  await ensurePrivateDir(folder, 'the code cache folder');
  await writeFileAtomic(file, bytes, { mode: 0o600 });
}

/** The AWS SDK and the other packages the bundle requires: compiled with V8's code cache kept between calls. */
function installPackageCodeCache(env: NodeJS.ProcessEnv) {
  const debug = text.debugEnabled(env);
  return moduleCodeCache.installCodeCache(paths.xacctPaths(env).codeCache, {
    write: writePrivately,
    ...(debug ? { debug: (line: string) => process.stderr.write(`xacct: debug: ${text.oneLine(line)}\n`) } : {}),
  });
}

function loadBundle(env: NodeJS.ProcessEnv): XacctBundle {
  const debug = text.debugEnabled(env);
  installPackageCodeCache(env);
  let compiled: Compiled | undefined;
  if (!debug) {
    try {
      compiled = compileWithCache(true);
    } catch {
      compiled = undefined; // no cache (a build without one): require it
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return compiled ? run(compiled) : (require(BUNDLE) as XacctBundle);
}

/**
 * For the build: loads the bundle without a cache, runs `warm` (commands whose code the cache should hold), then
 * writes the cache of what V8 compiled by then.
 */
async function writeCodeCache(warm: (bundle: XacctBundle) => Promise<void>): Promise<void> {
  const compiled = compileWithCache(false);
  if (!compiled) throw new Error(`${BUNDLE} has no build id`);
  await warm(run(compiled));
  const id = buildIdOf(compiled.source)!;
  const data = compiled.script.createCachedData();
  const digest = crypto.createHash('sha256').update(data).digest('hex');
  // Written whole or not at all: a new file renamed over the old one.
  fs.writeFileSync(`${CACHE}.new`, Buffer.concat([Buffer.from(`${id} ${digest}\n`, 'latin1'), data]));
  fs.renameSync(`${CACHE}.new`, CACHE);
}

export = { loadBundle, writeCodeCache, compileWithCache, installPackageCodeCache, BUNDLE, CACHE };
