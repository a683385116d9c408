/**
 * The quoting of `assume --export`, checked by reading the statements back with each dialect's own quoting rules
 * (no shell needed: shell-export-shells.test.ts runs the real bash, zsh, fish and, when installed, pwsh): every
 * statement is exactly one quoted word made of quoted runs and escapes, and it reads back to the value. Nothing
 * can end the quotes early, so nothing in a value ($(), backticks, quotes, newlines) reaches the shell as code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportStatements, posixQuote } from '../../src/core/shell-export.js';

const awkward = fc.constantFrom("'", '"', '\\', '\n', '\r', '\t', '$', '$(id)', '`id`', '!', ';', '&', '|', '\u2018', '\u2019', '\u201a', '\u201b', '\u2028', '\u0085', '\x1b', 'é', '😀', "\\'", "''", 'a');
const value = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.array(awkward, { maxLength: 16 }).map((parts) => parts.join('')),
  )
  .filter((v) => !v.includes('\0'));

/** POSIX: `'…'` runs (nothing special inside) and `\'`; undefined when the word has anything else. */
function readPosix(word: string): string | undefined {
  const m = /^(?:'[^']*'|\\')+$/.exec(word);
  if (!m) return undefined;
  return [...word.matchAll(/'([^']*)'|\\(')/g)].map((x) => x[1] ?? x[2]).join('');
}

/** fish: one `'…'` word where only `\\` and `\'` are escapes. */
function readFish(word: string): string | undefined {
  const m = /^'((?:[^'\\]|\\[\\'])*)'$/.exec(word);
  return m ? m[1]!.replace(/\\([\\'])/g, '$1') : undefined;
}

/** PowerShell: one `'…'` word where every single quote (and U+2018..U+201B) inside is doubled. */
function readPowerShell(word: string): string | undefined {
  const Q = "'\u2018\u2019\u201a\u201b";
  const m = new RegExp(`^[${Q}]((?:[^${Q}]|[${Q}]{2})*)[${Q}]$`, 'u').exec(word);
  return m ? m[1]!.replace(new RegExp(`([${Q}])[${Q}]`, 'gu'), '$1') : undefined;
}

describe('export statements cannot be broken out of', () => {
  it('bash and zsh: export NAME=<one quoted word> that reads back to the value', () => {
    fc.assert(
      fc.property(value, (v) => {
        for (const dialect of ['bash', 'zsh'] as const) {
          const out = exportStatements({ XACCT_T: v }, dialect);
          const m = /^export XACCT_T=([^]*)\n$/.exec(out);
          expect(m, out).not.toBeNull();
          expect(readPosix(m![1]!)).toBe(v);
        }
        expect(readPosix(posixQuote(v))).toBe(v);
      }),
      { numRuns: 1500 },
    );
  });

  it('fish: set -gx NAME <one quoted word>', () => {
    fc.assert(
      fc.property(value, (v) => {
        const out = exportStatements({ XACCT_T: v }, 'fish');
        const m = /^set -gx XACCT_T ([^]*)\n$/.exec(out);
        expect(m, out).not.toBeNull();
        expect(readFish(m![1]!)).toBe(v);
      }),
      { numRuns: 1500 },
    );
  });

  it('PowerShell: $Env:NAME = <one quoted word>, typographic quotes doubled too', () => {
    fc.assert(
      fc.property(value, (v) => {
        const out = exportStatements({ XACCT_T: v }, 'powershell');
        const m = /^\$Env:XACCT_T = ([^]*)\n$/.exec(out);
        expect(m, out).not.toBeNull();
        expect(readPowerShell(m![1]!)).toBe(v);
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses names that are not variable names and values with NUL, rather than print them', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }).filter((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)), (name) => {
        expect(() => exportStatements({ [name]: 'x' }, 'bash')).toThrow();
      }),
    );
    expect(() => exportStatements({ X: 'a\0b' }, 'fish')).toThrow(/NUL/);
  });
});
