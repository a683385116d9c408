/**
 * `include = ["team.toml", …]` at the top of a profile map: other maps read first, whatever the including file
 * says winning. The app layer reads the files (src/app/load-profile-map.ts); here: parsing each once, what a file
 * includes, where an include points, and the merge.
 */
import { isAbsolute, join, dirname } from 'node:path';
import { parse, TomlError, type TomlTable } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { TomlFile, isTable } from './toml-table.js';

/** One TOML file of a profile map, parsed once. */
export interface MapDocument {
  readonly file: string;
  readonly text: string;
  readonly doc: TomlTable;
}

export function parseMapDocument(text: string, file: string): MapDocument {
  try {
    return { file, text, doc: parse(text) };
  } catch (err) {
    if (err instanceof TomlError) {
      const what = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      throw new ConfigError(`invalid TOML: ${what}`, { file, line: err.line });
    }
    throw err;
  }
}

/** One entry of `include`, with where it is written, for messages. */
export interface IncludeEntry {
  /** As written. */
  readonly written: string;
  /** The file it names: `~` expanded, relative to the including file's folder. */
  readonly path: string;
  readonly from: string;
  readonly line?: number;
}

/** The files `d` includes, in order. Throws ConfigError (file:line) when `include` is not a list of paths. */
export function includesOf(d: MapDocument, home: string): IncludeEntry[] {
  const value = d.doc.include;
  if (value === undefined) return [];
  const toml = new TomlFile([d]);
  const where = toml.locate(['include']);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw new ConfigError('include must be a list of file paths, such as include = ["team.toml"]', where);
  }
  return (value as string[]).map((written) => ({ written, path: includePath(written, d.file, home), from: d.file, ...(where.line ? { line: where.line } : {}) }));
}

/** `~` and `~/…` from HOME; a relative path from the folder of the including file. */
export function includePath(written: string, includingFile: string, home: string): string {
  const expanded = written === '~' ? home : written.startsWith('~/') ? join(home, written.slice(2)) : written;
  return isAbsolute(expanded) ? expanded : join(dirname(includingFile), expanded);
}

/**
 * One table from the documents, lowest priority first (the deepest include) and the including file last: a key
 * the later file writes replaces the earlier one's, tables being merged key by key (so `[profiles.prod-admin]`
 * in the including file refines the one of the team map). Lists and values are replaced whole. The `include`
 * key itself is left out: each file's includes were followed already.
 */
export function mergeDocuments(docs: readonly MapDocument[]): TomlTable {
  if (docs.length === 1) return withoutInclude(docs[0]!.doc);
  const merged: TomlTable = {};
  for (const d of docs) mergeInto(merged, withoutInclude(d.doc));
  return merged;
}

function withoutInclude(doc: TomlTable): TomlTable {
  if (!('include' in doc)) return doc;
  const { include: _include, ...rest } = doc;
  return rest;
}

function mergeInto(target: TomlTable, source: TomlTable): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isTable(current) && isTable(value)) {
      const copy: TomlTable = { ...current };
      mergeInto(copy, value);
      target[key] = copy;
    } else {
      target[key] = value;
    }
  }
}
