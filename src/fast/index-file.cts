/**
 * The one definition of the fast path's index (`$XDG_CACHE_HOME/xacct/index.json`): for each profile a full
 * `credential-process <profile>` has served, the secret store key of its role session, the fingerprint that
 * session must carry, the reuse margin, when the session served expires, and the stamp of the inputs its plan was
 * resolved from. Nothing secret.
 * The fast path reads it (readIndexEntry); src/app/fast-path-index.ts writes it (readIndexFile + formatIndex).
 *
 * CommonJS and only node:fs, so that the fast path loads it before anything else.
 */
import fs = require('node:fs');
import cacheEntry = require('../core/cache-entry.cjs');
import opened = require('../adapters/opened-file.cjs');

const INDEX_VERSION = 1;

interface IndexEntry {
  readonly key: string;
  readonly fingerprint: string;
  readonly minSecondsLeft: number;
  /**
   * The Expiration (ISO 8601) of the session served when the entry was written, so that a session that expires
   * soon is a miss without a keychain read. Absent in entries written before it was recorded: those read the keychain.
   */
  readonly expiration?: string;
  /** An InputsStamp (inputs-stamp.cts) when written by us; compared as JSON, never interpreted. */
  readonly stamp: unknown;
}

interface Index {
  readonly v: typeof INDEX_VERSION;
  readonly profiles: Readonly<Record<string, IndexEntry>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The index, from a file of our own that no one else can write; a string says why there is none to use.
 * Throws when the file cannot be opened (absent, unreadable).
 */
function readIndexFile(file: string, uid: number | undefined): Index | string {
  let text: string;
  // Never through a link, and never waiting on a FIFO planted in a shared cache folder (file-trust.cts's rules).
  const fd = opened.openForReading(file);
  try {
    if (opened.openedFileProblem(fs.fstatSync(fd), { uid, notWritableByOthers: true })) return 'the index is not a private file of this user';
    text = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch {
    return 'the index is not JSON';
  }
  if (!isRecord(index) || index.v !== INDEX_VERSION || !isRecord(index.profiles)) return `the index is not of version ${INDEX_VERSION}`;
  return { v: INDEX_VERSION, profiles: index.profiles as Index['profiles'] };
}

/** The well-formed entry of `profile`, or why there is none. */
function indexEntryOf(index: Index, profile: string): IndexEntry | string {
  if (!Object.prototype.hasOwnProperty.call(index.profiles, profile)) return 'the index has no entry for this profile';
  const e: unknown = index.profiles[profile];
  if (
    !isRecord(e) ||
    // The profile's role session (scoped or not), never another kind of entry.
    typeof e.key !== 'string' ||
    cacheEntry.profileOfRoleSessionKey(e.key) !== profile ||
    typeof e.fingerprint !== 'string' ||
    e.fingerprint === '' ||
    typeof e.minSecondsLeft !== 'number' ||
    !(e.minSecondsLeft >= 0) ||
    (e.expiration !== undefined && (typeof e.expiration !== 'string' || Number.isNaN(Date.parse(e.expiration))))
  ) {
    return 'the index entry is malformed';
  }
  const expiration = e.expiration === undefined ? {} : { expiration: e.expiration };
  return { key: e.key, fingerprint: e.fingerprint, minSecondsLeft: e.minSecondsLeft, ...expiration, stamp: e.stamp };
}

/** The entry of `profile` in the index file, or why there is none to use; throws when the file cannot be opened. */
function readIndexEntry(file: string, profile: string, uid: number | undefined): IndexEntry | string {
  const index = readIndexFile(file, uid);
  return typeof index === 'string' ? index : indexEntryOf(index, profile);
}

/** The file's text for these entries. */
function formatIndex(profiles: Readonly<Record<string, IndexEntry>>): string {
  const index: Index = { v: INDEX_VERSION, profiles };
  return `${JSON.stringify(index)}\n`;
}

export = { readIndexFile, readIndexEntry, formatIndex };
