/**
 * Parses of large configuration files kept between calls (issue 16), in a private folder
 * (`$XDG_CACHE_HOME/xacct/parsed-maps/`, 0700; files 0600, written atomically): one JSON file per parsed file and
 * kind, holding the sha256 of the text it is the parse of (a line of JSON, and what the kind keeps after it). A parse is used only while the file has that same text;
 * anything wrong with the cache (missing, unreadable, not a private file of the user with one name, a link, in a
 * folder others control, not JSON, another text) means
 * parsing the text again, and a cache that cannot be written is no error. Only values that JSON gives back as they
 * were are kept. Used for the profile map (parsed-map-cache.ts) and ~/.aws/config (aws-shared-config.ts).
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, readSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../atomic-file.js';
import trust from '../file-trust.cjs';
import { readRegularFile, whoAmI } from '../trust.js';

/** Smaller texts are parsed in less time than the cache takes to check. */
export const CACHED_FROM_BYTES = 64 * 1024;
const VERSION = 2;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Where the parse of `file` of this kind ('map', 'aws-config') is kept. */
export function parseCacheFile(folder: string, kind: string, file: string): string {
  return join(folder, `${kind === 'map' ? '' : `${kind}-`}${sha256(file).slice(0, 32)}.json`);
}

/** The kept parse of `file` whose text has this sha256, or undefined. */
export function readKeptParse(cacheFile: string, file: string, digest: string): Record<string, unknown> | undefined {
  return readKept(cacheFile, file, digest)?.doc;
}

/**
 * The same, and, with `withRest`, the part kept after it (keepParse's `rest`), undecoded. The file is one line of
 * JSON (the header, with `doc`), then the rest; without `withRest` only that line is read (the rest may be megabytes).
 * `digest` undefined: the parse of whatever text, whose sha256 comes back (the caller knows it some other way).
 */
export function readKept(
  cacheFile: string,
  file: string,
  digest: string | undefined,
  withRest = false,
): { doc: Record<string, unknown>; rest: Buffer; sha256: string } | undefined {
  try {
    const who = whoAmI();
    // Stands for the file it is the parse of (a profile map names commands): read only from a folder no one else
    // controls, never through a link or a file with other names (C2).
    if (trust.stateFolderProblem(dirname(cacheFile), who)) return undefined;
    const check = { who, what: 'a parsed configuration file', notWritableByOthers: true, follow: false, singleLink: true };
    const bytes = withRest ? readRegularFile(cacheFile, check) : firstLine(cacheFile, check);
    const nl = bytes.indexOf(10);
    const cached = JSON.parse(bytes.subarray(0, nl < 0 ? bytes.length : nl).toString('utf8')) as { v?: unknown; file?: unknown; sha256?: unknown; doc?: unknown };
    const doc = cached.doc;
    if (cached.v !== VERSION || cached.file !== file || typeof cached.sha256 !== 'string' || (digest !== undefined && cached.sha256 !== digest)) return undefined;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
    return { doc: doc as Record<string, unknown>, rest: nl < 0 ? Buffer.alloc(0) : bytes.subarray(nl + 1), sha256: cached.sha256 };
  } catch {
    return undefined;
  }
}

/** The bytes of a file up to its first line feed (or all of them), as readRegularFile opens it. */
function firstLine(file: string, check: Parameters<typeof trust.openForRead>[1]): Buffer {
  const { fd } = trust.openForRead(file, check);
  try {
    const parts: Buffer[] = [];
    for (let position = 0; ; ) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, position);
      const nl = chunk.subarray(0, n).indexOf(10);
      parts.push(chunk.subarray(0, nl < 0 ? n : nl));
      if (n === 0 || nl >= 0) return Buffer.concat(parts);
      position += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes the parse (and `rest`, read back by readKept) in the background; the next call parses again when it cannot. */
export function keepParse(folder: string, cacheFile: string, file: string, digest: string, doc: unknown, rest = ''): void {
  const json = `${JSON.stringify({ v: VERSION, file, sha256: digest, doc })}\n${rest}`;
  void (async () => {
    try {
      await ensurePrivateDir(folder, 'the cache folder');
      await writeFileAtomic(cacheFile, json, { mode: 0o600 });
    } catch {
      // The next call parses again.
    }
  })();
}

/** Removes a kept parse that no longer stands for its file; never in a folder that is not the user's own. */
export function forgetKeptParse(cacheFile: string): void {
  try {
    lstatSync(cacheFile); // one look, the usual answer being ENOENT
    if (trust.stateFolderProblem(dirname(cacheFile), whoAmI())) return;
    unlinkSync(cacheFile);
  } catch {
    // Not there (the usual case), or not removable: it is never used for another text anyway.
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
