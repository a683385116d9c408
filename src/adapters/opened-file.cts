/**
 * What a file xacct opens must be, judged on what was opened (fstat), never on its name: the predicates of
 * file-trust.cts (which adds the messages, the fixes and the folder rules), in a module small enough for the
 * credential-process fast path to open its index with them on every call. CommonJS and only node:fs.
 */
import fs = require('node:fs');

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;

/** `0644`. */
function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/** Others can write it (group or world), and a sticky bit on a folder of root or the user does not make up for it. */
function writableByOthers(st: fs.Stats, uid: number | undefined): boolean {
  if ((st.mode & 0o022) === 0) return false;
  const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0 && (st.uid === 0 || st.uid === uid);
  return !sticky;
}

interface OpenedRule {
  /** The user xacct runs as; undefined: no owner or mode checks (Windows). */
  readonly uid: number | undefined;
  /** A file of root is accepted too (configuration; never for xacct's own state). */
  readonly rootOk?: boolean;
  /** Refuse a file that has other names (a hard link to ~/.bashrc, say): for files xacct appends to. */
  readonly singleLink?: boolean;
  /** Refuse a file others can write (configuration, the fast path's index). */
  readonly notWritableByOthers?: boolean;
}

interface OpenedProblem {
  readonly kind: 'kind' | 'owner' | 'links' | 'writable';
  /** "is a FIFO", "belongs to uid 1001, not to you"… */
  readonly reason: string;
}

/** Why what was opened is not a regular file of the user under `rule`; undefined when it is. */
function openedFileProblem(st: fs.Stats, rule: OpenedRule): OpenedProblem | undefined {
  const uid = rule.uid;
  if (!st.isFile()) return { kind: 'kind', reason: st.isFIFO() ? 'is a FIFO' : st.isDirectory() ? 'is a folder' : st.isSocket() ? 'is a socket' : 'is not a regular file' };
  if (uid !== undefined && st.uid !== uid && !(rule.rootOk && st.uid === 0)) return { kind: 'owner', reason: `belongs to uid ${st.uid}, not to you${rule.rootOk ? ' or root' : ''}` };
  if (rule.singleLink && st.nlink > 1) return { kind: 'links', reason: `has other names (${st.nlink} hard links)` };
  if (rule.notWritableByOthers && uid !== undefined && writableByOthers(st, uid)) return { kind: 'writable', reason: `can be written by other users (mode ${octal(st.mode)})` };
  return undefined;
}

/** Opens `file` for reading without hanging on a FIFO, and without following a link at its last component unless `follow`. */
function openForReading(file: string, follow = false): number {
  return fs.openSync(file, fs.constants.O_RDONLY | (follow ? 0 : O_NOFOLLOW) | O_NONBLOCK);
}

export = { O_NOFOLLOW, O_NONBLOCK, octal, writableByOthers, openedFileProblem, openForReading };
