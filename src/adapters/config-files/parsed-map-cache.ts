/**
 * Parsed profile maps kept between calls, for maps large enough for it to matter: smol-toml takes 25–45 ms for a
 * map of 5,000 accounts in a fresh process, JSON.parse of its parse ~3 ms. For a text of at least
 * CACHED_FROM_BYTES, the parse is kept by parse-cache.ts (private folder and files, by the text's sha256) and read
 * back while the file has that same text. What comes back is validated as any parse is (buildProfileMap); only the
 * TOML parse is skipped. A parse is written only once the map it is part of has been built (`keep()`): a map that
 * is refused leaves no file behind. A TOML date, inf or nan is not kept (JSON would change it).
 */
import type { TomlTable } from 'smol-toml';
import { parseMapDocument, type MapDocument } from '../../core/profile-map/include.js';
import { CACHED_FROM_BYTES, jsonSafe, keepParse, parseCacheFile, readKeptParse, sha256 } from './parse-cache.js';

export { CACHED_FROM_BYTES, jsonSafe } from './parse-cache.js';

export interface CachedMapParser {
  /** parseMapDocument, through the cache for large texts. */
  parse(text: string, file: string): MapDocument;
  /** Writes the parses made since, in the background: call it once the map they make was built without error. */
  keep(): void;
}

export function cachedMapParser(folder: string): CachedMapParser {
  const pending: (() => void)[] = [];
  return {
    parse: (text, file) => {
      if (text.length < CACHED_FROM_BYTES) return parseMapDocument(text, file);
      const cacheFile = parseCacheFile(folder, 'map', file);
      const digest = sha256(text);
      const doc = readKeptParse(cacheFile, file, digest);
      if (doc) return { file, text, doc: doc as TomlTable };
      const parsed = parseMapDocument(text, file);
      if (jsonSafe(parsed.doc)) pending.push(() => keepParse(folder, cacheFile, file, digest, parsed.doc));
      return parsed;
    },
    keep: () => {
      for (const write of pending.splice(0)) write();
    },
  };
}
