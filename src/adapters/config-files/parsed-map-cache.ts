/**
 * Parsed profile maps kept between calls, for maps large enough for it to matter: smol-toml takes 25–45 ms for a
 * map of 5,000 accounts in a fresh process, JSON.parse of its parse ~3 ms. For a text of at least
 * CACHED_FROM_BYTES, the parse is kept by parse-cache.ts (private folder and files, by the text's sha256) and read
 * back while the file has that same text. What comes back is validated as any parse is (buildProfileMap); only the
 * TOML parse is skipped. A parse is written only once the map it is part of has been built (`keep()`): a map that
 * is refused leaves no file behind. A TOML date, inf or nan is not kept (JSON would change it).
 *
 * Command lines (`mfa_process`, `on_assume`: one may hold a TOTP seed) are not copied: the kept parse has "" in
 * their place and the offsets of a line of the map that gives each back, read from the text on a hit (the same
 * sha256, so the same line). A map whose command line no single line gives back (a multi-line string) is not kept.
 * A kept parse that no longer stands for its file (the text changed, the map became small, an older format that
 * held command lines) is removed when the file is next read; the copies of files that are gone, when a copy is
 * next written.
 */
import { closeSync, constants, existsSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TomlTable } from 'smol-toml';
import { commandAt, commandPlace, commandSettings, type CommandPlace } from '../../core/profile-map/command-settings.js';
import { parseMapDocument, type MapDocument } from '../../core/profile-map/include.js';
import { isTable } from '../../core/profile-map/toml-table.js';
import trust from '../file-trust.cjs';
import { whoAmI } from '../trust.js';
import { CACHED_FROM_BYTES, forgetKeptParse as forget, jsonSafe, keepParse, parseCacheFile, readKeptParse, sha256 } from './parse-cache.js';

export { CACHED_FROM_BYTES, jsonSafe } from './parse-cache.js';

export interface CachedMapParser {
  /** parseMapDocument, through the cache for large texts. */
  parse(text: string, file: string): MapDocument;
  /** Writes the parses made since, in the background: call it once the map they make was built without error. */
  keep(): void;
}

/** What is kept of a map: its parse with "" for each command line, and where in the text each is. */
interface KeptMap {
  readonly map: TomlTable;
  readonly commandLines: readonly CommandPlace[];
}

export function cachedMapParser(folder: string): CachedMapParser {
  const pending: (() => void)[] = [];
  return {
    parse: (text, file) => {
      const cacheFile = parseCacheFile(folder, 'map', file);
      if (text.length < CACHED_FROM_BYTES) {
        forget(cacheFile); // kept while the map was large
        return parseMapDocument(text, file);
      }
      const digest = sha256(text);
      const doc = restored(readKeptParse(cacheFile, file, digest), text);
      if (doc) return { file, text, doc };
      forget(cacheFile);
      const parsed = parseMapDocument(text, file);
      if (jsonSafe(parsed.doc)) {
        pending.push(() => {
          const kept = withoutCommands(parsed.doc, text);
          if (!kept) return;
          forgetOrphans(folder);
          keepParse(folder, cacheFile, file, digest, kept);
        });
      }
      return parsed;
    },
    keep: () => {
      for (const write of pending.splice(0)) write();
    },
  };
}

/** The parse to keep, or undefined when a command line cannot be left out of it. */
function withoutCommands(doc: TomlTable, text: string): KeptMap | undefined {
  const settings = commandSettings(doc);
  const places = settings.map((s) => commandPlace(text, s));
  if (places.some((p) => p === undefined)) return undefined;
  const map = structuredClone(doc);
  for (const s of settings) setAt(map, s.path, '');
  return { map, commandLines: places as CommandPlace[] };
}

/** The kept parse with its command lines back from the text, or undefined when it is not one of ours. */
function restored(kept: Record<string, unknown> | undefined, text: string): TomlTable | undefined {
  const map = kept?.map;
  const places = kept?.commandLines;
  if (!isTable(map) || !Array.isArray(places)) return undefined;
  try {
    for (const place of places as CommandPlace[]) {
      const value = commandAt(text, place);
      if (value === undefined) return undefined;
      setAt(map, place.path, value);
    }
  } catch {
    return undefined; // not a place of this map
  }
  return map;
}

/** Sets the value of a key the parse has (a command line's place): throws when it has no such key. */
function setAt(table: TomlTable, path: readonly string[], value: string): void {
  let at: unknown = table;
  for (const k of path.slice(0, -1)) at = isTable(at) && Object.hasOwn(at, k) ? at[k] : undefined;
  const last = path[path.length - 1];
  if (!isTable(at) || last === undefined || typeof at[last] !== 'string') throw new Error('no such setting');
  at[last] = value;
}

/** A map's copy is named by the hash of its path (parse-cache.ts); others (`aws-config-…`) are not looked at. */
const MAP_COPY = /^[0-9a-f]{32}\.json$/;
/** The start of a copy as keepParse writes it: `{"v":1,"file":"<path>",…`. */
const COPY_HEAD = /^\{"v":\d+,"file":("(?:[^"\\]|\\.)*")/;

/**
 * Removes the copies of maps whose file is gone (deleted, moved: no read of that path removes them), when a new copy
 * is written: rare (a large map changed), and a few small reads.
 */
function forgetOrphans(folder: string): void {
  try {
    if (trust.stateFolderProblem(folder, whoAmI())) return;
    for (const name of readdirSync(folder)) {
      if (!MAP_COPY.test(name)) continue;
      const copy = join(folder, name);
      const file = copiedFile(copy);
      if (file !== undefined && !existsSync(file)) unlinkSync(copy);
    }
  } catch {
    // No folder yet, or one that cannot be read: nothing to remove.
  }
}

/** The path a copy is of, read from its first bytes (never through a link, never waiting on a FIFO). */
function copiedFile(copy: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(copy, constants.O_RDONLY | trust.O_NOFOLLOW | trust.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(4096);
    const m = COPY_HEAD.exec(head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('utf8'));
    return m ? (JSON.parse(m[1]!) as string) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
