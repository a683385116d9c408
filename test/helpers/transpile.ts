/**
 * Modules of src/ transpiled to plain JS for child processes: a bare `node` has no TypeScript loader, and a test
 * that needs the real module in another process (locks, signals, the encrypted file) runs it from there.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ROOT } from './run-cli.js';

/** Relative module specifiers of a TypeScript source: `from './x.js'`, `import('./x.js')`, `require('./x.cjs')`. */
const RELATIVE_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * Writes each of `files` (paths from the repository root, e.g. src/adapters/lock.ts), and every module of the
 * repository they import, as `<outDir>/<path>.js` (ES modules) or, for `.cts`, `<outDir>/<path>.cjs` (CommonJS).
 */
export async function transpileForChildren(files: readonly string[], outDir: string): Promise<void> {
  const ts = (await import('typescript')).default;
  const done = new Set<string>();
  const pending = [...files];
  while (pending.length) {
    const file = normalize(pending.pop()!);
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(join(ROOT, file), 'utf8');
    const commonJs = file.endsWith('.cts');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: commonJs ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const target = join(outDir, file.replace(/\.cts$/, '.cjs').replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out);
    for (const [, spec] of source.matchAll(RELATIVE_IMPORT)) {
      const imported = join(dirname(file), spec!.replace(/\.cjs$/, '.cts').replace(/\.js$/, '.ts'));
      if (existsSync(join(ROOT, imported))) pending.push(imported);
    }
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
}
