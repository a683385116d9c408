/**
 * The fast path's step of `npm run build` (called by scripts/bundle.mjs, after tsc): src/fast/credential-process-hit.cts
 * and the stateless shared modules it requires (cache-entry, xacct-paths, inputs-stamp, index-file, user-name, text,
 * file-trust, lock-record…) as one CommonJS file, dist/fast/credential-process-hit.cjs (+ .map), in place of tsc's
 * copy: a cache hit reads and compiles one file instead of resolving ~10 one by one (issue 16).
 *
 * The modules that hold state for the whole process stay external, required from dist/ by their relative path, so
 * that the fast path and the full path (dist/xacct.cjs requires the same files) share ONE instance of each:
 *  - everything under src/adapters/keychain/ (secret-service.cjs's entries or D-Bus session, its retry budget; it
 *    also starts itself as a child with `--find-all`, so it must stay a real file);
 *  - src/adapters/lock-file.cts (the claims this process holds, released at exit, recognised by the full path).
 * An inlined module is instantiated twice in a process that falls through to the full path, which is harmless only
 * for modules without state: a module that gains some must be added to STATEFUL.
 * Inlined modules keep their lazy `require` (esbuild runs a module's body at its first require), so a hit loads no
 * more of them than before.
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const ENTRY = join(SRC, 'fast', 'credential-process-hit.cts');
export const FAST_BUNDLE = join(DIST, 'fast', 'credential-process-hit.cjs');

/** Sources (relative to src/, POSIX) that hold process-wide state: never inlined. */
const STATEFUL = [/^adapters\/keychain\//, /^adapters\/lock-file\.cts$/];

const toPosix = (p) => p.split(sep).join('/');

/** `require('../adapters/lock-file.cjs')` of a stateful module → the same path from dist/fast, external. */
const statefulExternal = {
  name: 'xacct-stateful-external',
  setup(b) {
    b.onResolve({ filter: /\.cjs$/ }, (args) => {
      if (!args.path.startsWith('.')) return undefined;
      const source = resolve(args.resolveDir, args.path).replace(/\.cjs$/, '.cts');
      if (!source.startsWith(SRC + sep)) return undefined;
      const name = toPosix(relative(SRC, source));
      if (STATEFUL.some((re) => re.test(name))) {
        const fromOut = toPosix(relative(dirname(FAST_BUNDLE), join(DIST, name.replace(/\.cts$/, '.cjs'))));
        return { path: fromOut.startsWith('.') ? fromOut : `./${fromOut}`, external: true };
      }
      return { path: source };
    });
  },
};

export async function bundleFastPath() {
  const result = await build({
    entryPoints: [ENTRY],
    outfile: FAST_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    // Node's builtins only, besides our own files: a package here would be a second copy of the full path's.
    external: ['node:*'],
    plugins: [statefulExternal],
    banner: { js: "'use strict';\n// Built by scripts/bundle-fast-path.mjs from src/ (see the source map); do not edit." },
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'silent',
  });
  if (result.warnings.length) throw new Error(`fast-path bundle: ${result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`).join('; ')}`);
  const inputs = Object.keys(result.metafile.inputs).map((p) => toPosix(relative(SRC, resolve(ROOT, p))));
  const stray = inputs.filter((p) => p.startsWith('..') || STATEFUL.some((re) => re.test(p)));
  if (stray.length) throw new Error(`fast-path bundle: inlined what must stay one instance per process or is not ours: ${stray.join(', ')}`);
}
