import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { exportStatements, type ExportShell } from '../../src/core/shell-export.js';

// The statements run in the real shells, the way users run them, and the child of each shell must see every value
// exactly: nothing in a value ($(), backticks, quotes, backslashes, newlines, unicode) may escape its quotes.

const dir = mkdtempSync(join(tmpdir(), 'xacct-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dump = join(dir, 'dump.cjs');
writeFileSync(dump, `process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('XT_')))));`);

interface ShellRun {
  readonly dialect: ExportShell;
  readonly program: string;
  /** argv that evaluates the statements in file $1 and then runs `node dump.cjs` ($2). */
  readonly argv: (statements: string) => string[];
}

const SHELLS: ShellRun[] = [
  { dialect: 'bash', program: 'bash', argv: (f) => ['--norc', '--noprofile', '-c', 'eval "$(cat "$1")" && exec node "$2"', 'bash', f, dump] },
  { dialect: 'zsh', program: 'zsh', argv: (f) => ['-f', '-c', 'eval "$(cat "$1")" && exec node "$2"', 'zsh', f, dump] },
  { dialect: 'fish', program: 'fish', argv: (f) => ['--no-config', '-c', 'cat $argv[1] | source; and exec node $argv[2]', f, dump] },
  {
    dialect: 'powershell',
    program: 'pwsh',
    argv: (f) => ['-NoProfile', '-NonInteractive', '-Command', `Invoke-Expression (Get-Content -Raw '${f}'); & node '${dump}'`],
  },
];
/** Under CI=true these must be there (.ci/run installs them); pwsh is not. */
const REQUIRED_IN_CI = new Set(['bash', 'zsh', 'fish']);

function installed(program: string): boolean {
  return spawnSync(program, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0 || spawnSync(program, ['-Command', 'exit 0'], { stdio: 'ignore' }).status === 0;
}

let batch = 0;
/** Sets XT_0..XT_n to `values` and removes XT_GONE in one shell, returns the XT_ variables its child sees. */
function roundTrip(shell: ShellRun, values: readonly string[]): Record<string, string> {
  const vars: Record<string, string | undefined> = { XT_GONE: undefined };
  values.forEach((v, i) => (vars[`XT_${i}`] = v));
  const file = join(dir, `statements-${shell.dialect}-${batch++}`);
  writeFileSync(file, exportStatements(vars, shell.dialect));
  const result = spawnSync(shell.program, shell.argv(file), {
    cwd: dir, // should a value ever escape, `$(touch pwned)` lands in the temp folder
    env: { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', XT_GONE: 'must be removed' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`${shell.program} failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, string>;
}

const awkward = fc.constantFrom("'", '"', '\\', '\n', '\r\n', '\t', ' ', '$', '$(id)', '${HOME}', '`id`', '!', '!!', '*', '?', '~', '#', ';', '&', '|',
  '{', '}', '(', ')', '%', "'\\''", "\\'", '\u2018', '\u2019', '\u201a', '\u201b', 'é', '😀', '\u0085', '\u2028', '\uf600', '\x1b[31m', '\x7f', 'a');
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(awkward, { maxLength: 12 }).map((parts) => parts.join('')),
).filter((v) => !v.includes('\0'));

const RUNS = 4;
const PER_RUN = 25; // 100 values per shell, in 4 shell invocations

for (const shell of SHELLS) {
  const available = installed(shell.program);
  const mustRun = process.env.CI === 'true' && REQUIRED_IN_CI.has(shell.program);
  if (!available && !mustRun) {
    console.warn(`shell-export: ${shell.program} is not installed; its round-trip test is skipped`);
  }
  describe.skipIf(!available && !mustRun)(`export statements in ${shell.program}`, () => {
    it('keeps every value exactly and removes what is unset', () => {
      expect(available, `${shell.program} must be installed in CI`).toBe(true);
      fc.assert(
        fc.property(fc.array(value, { minLength: PER_RUN, maxLength: PER_RUN }), (values) => {
          const seen = roundTrip(shell, values);
          expect(seen).toEqual(Object.fromEntries(values.map((v, i) => [`XT_${i}`, v])));
        }),
        { numRuns: RUNS, examples: [[["it's", 'a\\b', '$(touch pwned)', '`id`', 'line1\nline2\n', '', ' ', "'", "\\'", '\u2019']]] },
      );
    });
  });
}
