/**
 * Parsed profile maps kept between calls, for maps large enough for it to matter: smol-toml takes 25–45 ms for a
 * map of 5,000 accounts in a fresh process, JSON.parse of its parse ~3 ms. For a text of at least
 * CACHED_FROM_BYTES, the parse is written to `$XDG_CACHE_HOME/xacct/parsed-maps/<hash of the path>.json`
 * (a private folder, mode 0600) with the sha256 of the text, and read back while the file has that same text.
 * What comes back is validated as any parse is (buildProfileMap); only the TOML parse is skipped. A parse is written
 * only once the map it is part of has been built (`keep()`): a map that is refused leaves no file behind.
 * Anything wrong with the cache (missing, unreadable, not a private file of the user with one name, a link, in a
 * folder others control, not JSON, another text)
 * means parsing the text again, and a cache that cannot be written is no error. Only documents that JSON keeps
 * as they are (strings, booleans, finite numbers, lists, tables) are kept: a TOML date, inf or nan is not.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { TomlTable } from 'smol-toml';
import { parseMapDocument, type MapDocument } from '../../core/profile-map/include.js';
import { ensurePrivateDir, writeFileAtomic } from '../atomic-file.js';
import trust from '../file-trust.cjs';
import { readRegularFile, whoAmI } from '../trust.js';

export const CACHED_FROM_BYTES = 64 * 1024;
const VERSION = 1;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface CachedMapParser {
  /** parseMapDocument, through the cache for large texts. */
  parse(text: string, file: string): MapDocument;
  /** Writes the parses made since, in the background: call it once the map they make was built without error. */
  keep(): void;
}

export function cachedMapParser(folder: string): CachedMapParser {
  const pending: { cacheFile: string; json: () => string }[] = [];
  return {
    parse: (text, file) => {
      if (text.length < CACHED_FROM_BYTES) return parseMapDocument(text, file);
      const cacheFile = join(folder, `${sha256(file).slice(0, 32)}.json`);
      const digest = sha256(text);
      const doc = readCached(cacheFile, file, digest);
      if (doc) return { file, text, doc };
      const parsed = parseMapDocument(text, file);
      if (jsonSafe(parsed.doc)) pending.push({ cacheFile, json: () => JSON.stringify({ v: VERSION, file, sha256: digest, doc: parsed.doc }) });
      return parsed;
    },
    keep: () => {
      for (const p of pending.splice(0)) void writeCached(folder, p.cacheFile, p.json());
    },
  };
}

function readCached(cacheFile: string, file: string, digest: string): TomlTable | undefined {
  try {
    const who = whoAmI();
    // Stands for the profile map: read only from a folder no one else controls, never through a link.
    if (trust.stateFolderProblem(dirname(cacheFile), who)) return undefined;
    const text = readRegularFile(cacheFile, { who, what: 'a parsed profile map', notWritableByOthers: true, follow: false, singleLink: true }).toString('utf8');
    const cached = JSON.parse(text) as { v?: unknown; file?: unknown; sha256?: unknown; doc?: unknown };
    const doc = cached.doc;
    if (cached.v !== VERSION || cached.file !== file || cached.sha256 !== digest || typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
    return doc as TomlTable;
  } catch {
    return undefined;
  }
}

async function writeCached(folder: string, cacheFile: string, json: string): Promise<void> {
  try {
    await ensurePrivateDir(folder, 'the cache folder');
    await writeFileAtomic(cacheFile, json, { mode: 0o600 });
  } catch {
    // The next call parses again.
  }
}

/** Whether JSON gives back exactly this value. */
export function jsonSafe(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && Object.values(value).every(jsonSafe);
}
