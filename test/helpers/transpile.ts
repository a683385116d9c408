/**
 * Modules of src/ transpiled to plain JS for child processes: a bare `node` has no TypeScript loader, and a test
 * that needs the real module in another process (locks, signals, the encrypted file) runs it from there.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './run-cli.js';

/** Writes each of `files` (paths from the repository root, e.g. src/adapters/lock.ts) as `<outDir>/<path>.js`, ES modules. */
export async function transpileForChildren(files: readonly string[], outDir: string): Promise<void> {
  const ts = (await import('typescript')).default;
  for (const file of files) {
    const out = ts.transpileModule(readFileSync(join(ROOT, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const target = join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
}
