import type { TomlTable } from 'smol-toml';
import { ConfigError, UsageError } from '../errors.js';
import { parseDuration, type DurationRange } from '../duration.js';
import { didYouMean } from '../suggest.js';
import { TomlLines } from './toml-lines.js';

/** One TOML file of a profile map, with its text for line numbers (scanned only when a message needs one). */
export interface TomlSource {
  readonly file: string;
  readonly text: string;
}

/**
 * The file(s) being validated, to name `file:line` in errors. With `include`, the tables are merged from several
 * files: `sources` in priority order (the including file first), and a key is located in the first file that
 * has it, the most specific key first.
 */
export class TomlFile {
  private readonly lines: (TomlLines | undefined)[];

  constructor(private readonly sources: readonly TomlSource[]) {
    this.lines = sources.map(() => undefined);
  }

  /** The main file: the including one. */
  get file(): string {
    return this.sources[0]?.file ?? '';
  }

  private linesOf(i: number): TomlLines {
    return (this.lines[i] ??= new TomlLines(this.sources[i]!.text));
  }

  locate(path: readonly string[]): { file: string; line?: number } {
    for (let n = path.length; n > 0; n--) {
      for (let i = 0; i < this.sources.length; i++) {
        const line = this.linesOf(i).exactLine(path.slice(0, n));
        if (line !== undefined) return { file: this.sources[i]!.file, line };
      }
    }
    return { file: this.file };
  }

  lineOf(path: readonly string[]): number | undefined {
    return this.locate(path).line;
  }

  /** "config.toml:12" */
  where(path: readonly string[]): string {
    const { file, line } = this.locate(path);
    return line ? `${file}:${line}` : file;
  }

  error(path: readonly string[], message: string, hint?: string): ConfigError {
    return new ConfigError(message, { ...this.locate(path), hint });
  }
}

/** `[sources.identity]`, `[profiles."my profile"]`; the top level is "the top level". */
export function tableName(path: readonly string[]): string {
  if (path.length === 0) return 'the top level';
  return `[${path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join('.')}]`;
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Typed access to one TOML table: rejects keys it does not know ("did you mean…?") and values of the wrong type,
 * with the file and line of the offending key.
 */
export class TableReader {
  constructor(
    readonly toml: TomlFile,
    readonly path: readonly string[],
    readonly table: TomlTable,
    allowedKeys: readonly string[],
  ) {
    for (const key of Object.keys(table)) {
      if (!allowedKeys.includes(key)) {
        const suggestion = didYouMean(key, allowedKeys, 1);
        throw toml.error(
          [...path, key],
          `unknown key '${key}' in ${tableName(path)}${suggestion}`,
          suggestion ? undefined : `allowed keys: ${allowedKeys.join(', ')}`,
        );
      }
    }
  }

  has(key: string): boolean {
    return this.table[key] !== undefined;
  }

  error(key: string | undefined, message: string, hint?: string): ConfigError {
    return this.toml.error(key === undefined ? this.path : [...this.path, key], message, hint);
  }

  /** "'region' in [sources.identity]" */
  describe(key: string): string {
    return `'${key}' in ${tableName(this.path)}`;
  }

  string(key: string, check?: { test: (v: string) => boolean; expected: string }): string | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.error(key, `${this.describe(key)} must be a string`);
    if (check && !check.test(value)) throw this.error(key, `${this.describe(key)} is invalid: '${value}' is not ${check.expected}`);
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw this.error(key, `${this.describe(key)} must be true or false`);
    return value;
  }

  duration(key: string, range: Omit<DurationRange, 'what'>): number | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw this.error(key, `${this.describe(key)} must be a duration such as "1h" or 900`);
    }
    try {
      return parseDuration(value, { ...range, what: `${key} in ${tableName(this.path)}` });
    } catch (err) {
      if (err instanceof UsageError) throw this.error(key, err.message);
      throw err;
    }
  }

  /** A sub-table (`[x.y]` or inline `{…}`), or undefined when absent. */
  subTable(key: string): TomlTable | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (!isTable(value)) throw this.error(key, `${this.describe(key)} must be a table`);
    return value;
  }
}
