import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const SRC = fileURLToPath(new URL('./src/', import.meta.url));
const OUT = fileURLToPath(new URL('./.tmp/vitest-cjs/', import.meta.url));

/** Every src/**\/*.cts, written as CommonJS into OUT (same layout) when newer than its copy there. */
function transpileCommonJsSources(dir = SRC): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) transpileCommonJsSources(file);
    if (!entry.isFile() || !entry.name.endsWith('.cts')) continue;
    const target = join(OUT, relative(SRC, file)).replace(/\.cts$/, '.cjs');
    if (existsSync(target) && statSync(target).mtimeMs >= statSync(file).mtimeMs) continue;
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
}

/**
 * The modules shared with the credential-process fast path are CommonJS sources (`.cts`), which vite cannot run.
 * An import of one (`…/x.cjs` under src/) is served by Node itself from a CommonJS transpilation, so that tests
 * run the sources, not a stale dist/, and every importer gets the same module instance as in production.
 */
function commonJsSources(): Plugin {
  return {
    name: 'xacct-commonjs-sources',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !source.endsWith('.cjs') || !source.startsWith('.')) return null;
      const target = resolve(dirname(importer), source);
      if (!target.startsWith(SRC) || !existsSync(target.replace(/\.cjs$/, '.cts'))) return null;
      transpileCommonJsSources();
      return { id: join(OUT, relative(SRC, target)), external: true };
    },
  };
}

export default defineConfig({
  plugins: [commonJsSources()],
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // 2 cores: integration files each start a keyring session and moto; more workers only thrash.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // Marks the services test/helpers start, and checks at the end that none is left running.
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
