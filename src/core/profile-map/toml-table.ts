import type { TomlTable } from 'smol-toml';
import { ConfigError, UsageError } from '../errors.js';
import { parseDuration, type DurationRange } from '../duration.js';
import { didYouMean } from '../suggest.js';
import type { TomlLines } from './toml-lines.js';

/** The file being validated, to name `file:line` in errors. */
export class TomlFile {
  constructor(
    readonly file: string,
    private readonly lines: TomlLines,
  ) {}

  lineOf(path: readonly string[]): number | undefined {
    return this.lines.lineOf(path);
  }

  /** "config.toml:12" */
  where(path: readonly string[]): string {
    const line = this.lineOf(path);
    return line ? `${this.file}:${line}` : this.file;
  }

  error(path: readonly string[], message: string, hint?: string): ConfigError {
    return new ConfigError(message, { file: this.file, line: this.lineOf(path), hint });
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
