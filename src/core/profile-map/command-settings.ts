/**
 * The settings of a profile map that hold a command line xacct runs: `on_assume` at the top, `mfa_process` of a
 * source. A command line may hold a secret (`mfa_process = "oathtool --totp -b <seed>"`): copies of a map (the
 * parsed-map cache) leave them out.
 */
import { parse, type TomlTable } from 'smol-toml';
import { isTable } from './toml-table.js';

export interface CommandSetting {
  /** Keys from the top of the document: ['on_assume'], ['sources', 'identity', 'mfa_process']. */
  readonly path: readonly string[];
  readonly value: string;
}

export function commandSettings(doc: TomlTable): CommandSetting[] {
  const found: CommandSetting[] = [];
  if (typeof doc.on_assume === 'string') found.push({ path: ['on_assume'], value: doc.on_assume });
  const sources = doc.sources;
  if (isTable(sources)) {
    for (const [name, source] of Object.entries(sources)) {
      if (isTable(source) && typeof source.mfa_process === 'string') found.push({ path: ['sources', name, 'mfa_process'], value: source.mfa_process });
    }
  }
  return found;
}

/**
 * Where in `text` a command setting can be read back from alone: a line that, parsed by itself, has the value at
 * the end of `path` (`mfa_process = "…"` below `[sources.identity]`, or `identity.mfa_process = "…"` below
 * `[sources]`). The same text always gives it back. Undefined when no line does (a multi-line string).
 */
export interface CommandPlace {
  readonly path: readonly string[];
  /** The line: text.slice(from, to). */
  readonly from: number;
  readonly to: number;
  /** How many of the last keys of `path` the line itself names. */
  readonly depth: number;
}

export function commandPlace(text: string, setting: CommandSetting): CommandPlace | undefined {
  const key = setting.path[setting.path.length - 1]!;
  for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + key.length)) {
    const from = text.lastIndexOf('\n', at) + 1;
    const end = text.indexOf('\n', at);
    const to = end === -1 ? text.length : end;
    const line = lineTable(text.slice(from, to));
    if (!line) continue;
    for (let depth = 1; depth <= setting.path.length; depth++) {
      if (valueAt(line, setting.path.slice(-depth)) === setting.value) return { path: setting.path, from, to, depth };
    }
  }
  return undefined;
}

/** The value a place holds in `text` (the text it was found in), or undefined. */
export function commandAt(text: string, place: CommandPlace): string | undefined {
  const line = lineTable(text.slice(place.from, place.to));
  const value = line && valueAt(line, place.path.slice(-place.depth));
  return typeof value === 'string' ? value : undefined;
}

function lineTable(line: string): TomlTable | undefined {
  try {
    return parse(line);
  } catch {
    return undefined;
  }
}

function valueAt(table: TomlTable, keys: readonly string[]): unknown {
  let at: unknown = table;
  for (const k of keys) {
    if (!isTable(at) || !Object.hasOwn(at, k)) return undefined;
    at = at[k];
  }
  return at;
}
