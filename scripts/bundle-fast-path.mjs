/**
 * The fast path's step of `npm run build` (called by scripts/bundle.mjs, after tsc): the two files a cached
 * `credential-process` runs, each one esbuild bundle written over tsc's copy, so that a hit reads and compiles two
 * files of ours instead of resolving a dozen one by one (issue 16).
 *
 * 1. dist/fast/credential-process-hit.cjs: src/fast/*.cts and the stateless shared modules it requires
 *    (cache-entry, xacct-paths, inputs-stamp, index-file, user-name, text, opened-file, file-trust, make-dirs,
 *    lock-record…). What holds state for the whole process stays external, required from dist/ by its relative
 *    path, so that the fast path and the full path (dist/xacct.cjs requires the same files) share ONE instance:
 *     - everything under src/adapters/keychain/ (the process's Secret Service connection and session, its retry
 *       budget);
 *     - src/adapters/lock-file.cts (the claims this process holds, released at exit, recognised by the full path);
 *     - src/fast/refresh-handoff.cts (the socket a refresher serves its waiters on: the fast path opens it, the full
 *       path offers the session on it).
 *    A module inlined here is instantiated twice in a process that falls through to the full path, which is
 *    harmless only for modules without state: one that gains some must be added to STATEFUL.
 * 2. dist/adapters/keychain/secret-service.cjs: the keychain's entry point with the keychain modules it requires
 *    inlined (its client, D-Bus connection and wire format). It stays the one file both paths require, so its state
 *    is still one instance per process; the build fails if anything else in dist/ requires one of the modules it
 *    holds. Kept as files of their own: a module that starts itself as a child (`require.main === module`: the
 *    keyring binding's `--find-all`), and anything outside src/adapters/keychain/.
 *
 * Inlined modules keep their lazy `require` (esbuild runs a module's body at its first require), so a hit runs no
 * more of them than before.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');

/** Sources (relative to src/, POSIX) that hold process-wide state: never inlined into the fast path. */
const STATEFUL = [/^adapters\/keychain\//, /^adapters\/lock-file\.cts$/, /^fast\/refresh-handoff\.cts$/];
/** Loaded only on a miss (a refresh claimed or slept on): kept out of the file every hit reads and compiles. */
const MISS_ONLY = [/^fast\/refresh-claim\.cts$/];
const KEYCHAIN = 'adapters/keychain/';

const toPosix = (p) => p.split(sep).join('/');
const distOf = (name) => join(DIST, name.replace(/\.cts$/, '.cjs'));
/** Starts itself as a child process: must stay a real file. */
const runsItself = (name) => /\brequire\.main === module\b/.test(readFileSync(join(SRC, name), 'utf8'));

/**
 * One CommonJS bundle of `entry` (a .cts of src/, relative POSIX name) over its dist/ copy. `external(name)`: which
 * of our modules it requires stay files of their own (required by their path from the bundle). Packages stay
 * external; a module of ours that is neither is inlined. Returns the names of the sources inlined.
 */
async function bundleCommonJs(entry, external) {
  const outfile = distOf(entry);
  const result = await build({
    entryPoints: [join(SRC, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    packages: 'external',
    plugins: [
      {
        name: 'xacct-own-modules',
        setup(b) {
          b.onResolve({ filter: /\.cjs$/ }, (args) => {
            if (!args.path.startsWith('.')) return undefined;
            const source = resolve(args.resolveDir, args.path).replace(/\.cjs$/, '.cts');
            if (!source.startsWith(SRC + sep)) return undefined;
            const name = toPosix(relative(SRC, source));
            if (name !== entry && external(name)) {
              const fromOut = toPosix(relative(dirname(outfile), distOf(name)));
              return { path: fromOut.startsWith('.') ? fromOut : `./${fromOut}`, external: true };
            }
            return { path: source };
          });
        },
      },
    ],
    banner: { js: `'use strict';\n// Built by scripts/bundle-fast-path.mjs from src/${entry} (see the source map); do not edit.` },
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'silent',
  });
  if (result.warnings.length) throw new Error(`${entry} bundle: ${result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`).join('; ')}`);
  const inlined = Object.keys(result.metafile.inputs).map((p) => toPosix(relative(SRC, resolve(ROOT, p))));
  const stray = inlined.filter((name) => name.startsWith('..'));
  if (stray.length) throw new Error(`${entry} bundle: inlined what is not ours: ${stray.join(', ')}`);
  return inlined.filter((name) => name !== entry);
}

/** The dist/ files of ours that the bundle at `file` requires, as names of src/ (`adapters/lock-file.cts`). */
function requiredBy(file) {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\brequire\("(\.{1,2}\/[^"]+\.cjs)"\)/g)].map((m) => toPosix(relative(DIST, resolve(dirname(file), m[1]))).replace(/\.cjs$/, '.cts'));
}

export async function bundleFastPath() {
  const fast = await bundleCommonJs('fast/credential-process-hit.cts', (name) => [...STATEFUL, ...MISS_ONLY].some((re) => re.test(name)));
  const unshared = fast.filter((name) => STATEFUL.some((re) => re.test(name)));
  if (unshared.length) throw new Error(`fast-path bundle: inlined what must stay one instance per process: ${unshared.join(', ')}`);
  // Node's builtins only, besides our own files: a package here would be loaded on every hit.
  const packages = [...readFileSync(distOf('fast/credential-process-hit.cts'), 'utf8').matchAll(/\brequire\("([^".][^"]*)"\)/g)].map((m) => m[1]).filter((p) => !p.startsWith('node:'));
  if (packages.length) throw new Error(`fast-path bundle: requires packages: ${packages.join(', ')}`);

  const keychainEntry = `${KEYCHAIN}secret-service.cts`;
  const keychain = await bundleCommonJs(keychainEntry, (name) => !name.startsWith(KEYCHAIN) || runsItself(name));
  // Nobody else may require what secret-service.cjs now holds: that would be a second instance of its state.
  for (const file of [join(DIST, 'xacct.cjs'), distOf('fast/credential-process-hit.cts'), ...keychainExternals(keychain)]) {
    const second = requiredBy(file).filter((name) => keychain.includes(name));
    if (second.length) throw new Error(`keychain bundle: ${toPosix(relative(DIST, file))} requires ${second.join(', ')}, which ${keychainEntry} inlines`);
  }
}

/** The dist/ files of the keychain's modules that stay files of their own. */
function keychainExternals(inlined) {
  return requiredBy(distOf(`${KEYCHAIN}secret-service.cts`))
    .filter((name) => name.startsWith(KEYCHAIN) && !inlined.includes(name))
    .map(distOf);
}
