/**
 * The second step of `npm run build` (after tsc): xacct's own code, commander and smol-toml as one CommonJS file,
 * dist/xacct.cjs (+ .map), which bin/xacct.js loads for every command but a cached credential-process. One file
 * read and compiled instead of ~150 ES modules resolved and linked one by one (issue 16: the full path 145 → 97 ms).
 *
 * - The other dependencies (the AWS SDK, the keyring binding, @inquirer, uqr) stay external: loaded from
 *   node_modules as they are, when a command needs them, and updated by npm, not by a rebuild.
 * - The modules shared with the credential-process fast path (src/**\/*.cts → dist/**\/*.cjs, compiled by tsc) stay
 *   external too: the bundle requires them from dist/, so that the fast path and the full path share one instance
 *   of each in a process (the keyring entry it opened, the refresh claim it holds).
 * - `import.meta.url` keeps meaning the module's own place in dist/ (where tsc puts it), so that
 *   `new URL('../x', import.meta.url)` and `createRequire(import.meta.url)` resolve as before.
 * - Any warning fails the build (an `import.meta` the rewrite missed, say).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleFastPath } from './bundle-fast-path.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
export const BUNDLE = join(DIST, 'xacct.cjs');

/** Bundled into xacct.cjs; every other dependency stays external. */
const BUNDLED = new Set(['commander', 'smol-toml']);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d)).flatMap((d) => [d, `${d}/*`]);

const toPosix = (p) => p.split(sep).join('/');

/** `import x from '../core/cache-entry.cjs'` → `require('./core/cache-entry.cjs')`, relative to dist/. */
const sharedCommonJs = {
  name: 'xacct-shared-commonjs',
  setup(b) {
    b.onResolve({ filter: /\.cjs$/ }, (args) => {
      if (!args.path.startsWith('.')) return undefined;
      const source = resolve(args.resolveDir, args.path);
      if (!source.startsWith(SRC + sep)) return undefined;
      return { path: `./${toPosix(relative(SRC, source))}`, external: true };
    });
  },
};

/** `import.meta.url` of src/a/b.ts → the URL of dist/a/b.js, computed where the bundle runs. */
const moduleUrls = {
  name: 'xacct-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(SRC + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const distPath = toPosix(relative(SRC, args.path)).replace(/\.ts$/, '.js');
      return { contents: text.replaceAll('import.meta.url', `__xacctModuleUrl(${JSON.stringify(distPath)})`), loader: 'ts', resolveDir: dirname(args.path) };
    });
  },
};

// The bundle's second line; the code cache of this build carries it too (src/launch-bundle.cts).
const buildId = randomBytes(12).toString('hex');
const banner = [
  "'use strict';",
  `// build ${buildId}`,
  '// Built by scripts/bundle.mjs from src/ (see the source map); do not edit.',
  "const __xacctModuleUrl = (p) => require('node:url').pathToFileURL(require('node:path').join(__dirname, p)).href;",
  // import() of an ESM-only package (rewritten below): src/launch-bundle.cts passes one that works in a vm.Script.
  "const __dimp = typeof __xacctImport === 'function' ? __xacctImport : (s) => import(s);",
].join('\n');

export async function bundle() {
  const result = await build({
    entryPoints: [join(SRC, 'cli/main.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    external,
    plugins: [sharedCommonJs, moduleUrls],
    banner: { js: banner },
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    // Comments and blanks out (a third less to parse on every call); names kept, so stack traces read well.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'silent',
  });
  if (result.warnings.length) throw new Error(`bundle: ${result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`).join('; ')}`);
  rewriteDynamicImports();
  codeCache();
  // The credential-process fast path: its own bundle (scripts/bundle-fast-path.mjs).
  await bundleFastPath();
}

/**
 * `import("pkg")` → `__dimp("pkg")` (as long: the source map stays right), the banner's function: the code cache
 * compiles the bundle with vm.Script, where Node 20 has no import() of its own.
 */
function rewriteDynamicImports() {
  const text = readFileSync(BUNDLE, 'utf8');
  const rewritten = text.replace(/(?<![\w$.])import\((?=["'])/g, '__dimp(');
  if (/(?<![\w$.])import\((?!s\))/.test(rewritten)) throw new Error('bundle: an import() of something other than a package name is left in the bundle');
  writeFileSync(BUNDLE, rewritten);
}

/**
 * dist/xacct.cjs.v8cache (src/launch-bundle.cts): V8's code of the bundle after a `list` of a small map and a
 * `credential-process --no-cache` whose STS call finds nobody listening (the code of the full and the cold path),
 * made in a fresh node with an empty HOME and nothing of the user's environment.
 */
function codeCache() {
  const home = mkdtempSync(join(tmpdir(), 'xacct-build-'));
  try {
    mkdirSync(join(home, '.config', 'xacct'), { recursive: true });
    writeFileSync(join(home, '.config', 'xacct', 'config.toml'), '[sources.identity]\nregion = "eu-west-1"\n\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "Admin"\n');
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'credentials'), '[identity]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = not-a-secret\n', { mode: 0o600 });
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_STATE_HOME: join(home, '.state'),
      XDG_DATA_HOME: join(home, '.data'),
      XDG_RUNTIME_DIR: join(home, '.run'),
      XACCT_BACKEND: 'file',
      // A port nobody listens on: the call fails at once, after the code of a whole credential-process ran.
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const warm = `require(${JSON.stringify(join(DIST, 'launch-bundle.cjs'))}).writeCodeCache(async (b) => { await b.main(['list']); await b.main(['credential-process', 'prod-admin', '--no-cache']); })`;
    const r = spawnSync(process.execPath, ['-e', warm], { env, cwd: home, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`bundle: the code cache was not made: ${r.error?.message ?? r.stderr.trim()}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundle().catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
