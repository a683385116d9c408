/**
 * Notes that are worth reading once, not on every call: `xacct list` says that a role profile of ~/.aws/config is
 * not listed (it uses SSO or credential_source, or is broken) the first time, and again only when the note changes
 * (another file, line or reason). `xacct doctor` lists them all, every time. What was shown is kept as hashes of
 * the notes in the state folder: nothing but hashes and times.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { ensurePrivateDir, readPrivateFile, writeFileAtomic } from '../adapters/atomic-file.js';
import type { Env } from '../core/paths.js';
import { xacctPaths } from '../core/paths.js';

/** At most this many notes are remembered; the oldest are forgotten first. */
const KEPT = 1000;

type Shown = Record<string, string>;

function hashOf(note: string): string {
  return createHash('sha256').update(note).digest('hex').slice(0, 32);
}

/**
 * The notes of `notes` not shown before, which are then remembered as shown. When the record cannot be read or
 * written, every note is new: a note is repeated rather than lost.
 */
export async function notShownBefore(env: Env, notes: readonly string[], now: Date = new Date()): Promise<string[]> {
  if (notes.length === 0) return [];
  const file = xacctPaths(env).noticesFile;
  const shown = readShown(file);
  const fresh = notes.filter((note) => !Object.hasOwn(shown, hashOf(note)));
  if (fresh.length === 0) return [];
  for (const note of fresh) shown[hashOf(note)] = now.toISOString();
  const kept = Object.entries(shown)
    .sort(([, a], [, b]) => (a < b ? 1 : a > b ? -1 : 0))
    .slice(0, KEPT);
  try {
    await ensurePrivateDir(dirname(file));
    await writeFileAtomic(file, `${JSON.stringify(Object.fromEntries(kept))}\n`, { mode: 0o600 });
  } catch {
    /* not remembered: shown again next time */
  }
  return fresh;
}

/**
 * Read as xacct's other state files are (file-trust.cts): a regular file of the user, in a folder of the user that
 * no one else can write, never through a link, never waiting on a FIFO. Anything else counts as nothing shown.
 */
function readShown(file: string): Shown {
  try {
    const raw: unknown = JSON.parse(readPrivateFile(file, 'the record of notes shown') ?? '{}');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
    return Object.fromEntries(Object.entries(raw).filter(([k, v]) => /^[0-9a-f]{32}$/.test(k) && typeof v === 'string')) as Shown;
  } catch {
    return {};
  }
}
