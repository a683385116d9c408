/**
 * What xacct trusts on a shared machine, in one place (ssh's StrictModes, applied to xacct's files):
 *  - a file read as configuration (the profile map and the maps it includes) names commands xacct runs, so it must
 *    belong to the user or root, be writable by no one else, and every folder above it up to HOME (or /) likewise:
 *    whoever can write one of them can replace the file;
 *  - a folder xacct writes state into (state, cache, data, locks) must belong to the user, and the folders above it
 *    must not let anyone else swap it;
 *  - a file opened for writing or reading is opened without following a link at its last component (O_NOFOLLOW)
 *    and without blocking (O_NONBLOCK: a FIFO would hang open()), then checked by fstat to be a regular file of
 *    the user.
 * A folder writable by others is accepted above xacct's files only when it is sticky and belongs to root or the
 * user (like /tmp): others cannot rename or remove what is not theirs in it.
 *
 * CommonJS, synchronous and only node:fs/node:path, so that the credential-process fast path can use it too.
 * No checks on Windows (no uids or modes there); `uid` undefined means the same.
 */
import fs = require('node:fs');
import path = require('node:path');
import opened = require('./opened-file.cjs');

/** Why a file or folder is not trusted, and what fixes it (described by describeProblem). */
interface TrustProblem {
  /** The file or folder at fault. */
  readonly path: string;
  /** The file or folder asked about (`itself`), or a folder above it (`above`). */
  readonly role: 'itself' | 'above';
  /** "belongs to uid 1001, not to you or root", "can be written by other users (mode 0777)", "is a FIFO" */
  readonly reason: string;
  /** What fixes it, as a hint: "run `chmod go-w /x`"… */
  readonly fix: string;
  /** owner: of another user; writable: by others; kind: not a regular file (a link, a FIFO…) or not a folder. */
  readonly kind: 'owner' | 'writable' | 'kind' | 'links';
}

interface Who {
  /** The user xacct runs as; undefined: no checks (Windows). */
  readonly uid: number | undefined;
  /** The user's home: folders are looked at up to and including it, else up to /. */
  readonly home: string | undefined;
  /** For the `chown` fix: the user's name (else the uid). */
  readonly userName?: string;
}

const { O_NOFOLLOW, O_NONBLOCK, octal } = opened;

/** The problem as a phrase about `name` (the file or folder asked about: "it", "the audit log /x"). */
function describeProblem(p: TrustProblem, name: string): string {
  return p.role === 'itself' ? `${name} ${p.reason}` : `the folder ${p.path} above ${name} ${p.reason}`;
}

/** Only root can give a file to someone: the fix is root's to run. */
function chown(who: Who, p: string): string {
  return `run \`sudo chown ${who.userName ?? String(who.uid)} ${p}\`, or use one of your own`;
}

function writableByOthers(st: fs.Stats, who: Who): boolean {
  return opened.writableByOthers(st, who.uid);
}

/** The folders above `p` that are looked at: up to and including HOME when `p` is below it, else up to /. */
function foldersAbove(p: string, home: string | undefined): string[] {
  const out: string[] = [];
  const stopAt = home && (p === home || p.startsWith(home.endsWith('/') ? home : `${home}/`)) ? home : undefined;
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    out.push(dir);
    if (dir === stopAt || path.dirname(dir) === dir) return out;
  }
}

function realOrUndefined(p: string | undefined): string | undefined {
  if (!p) return undefined;
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** The folders above `p`, as written and as they really are (links resolved), without repeats. */
function foldersOnTheWay(p: string, home: string | undefined): string[] {
  const seen = new Set(foldersAbove(path.resolve(p), home));
  const real = realOrUndefined(p);
  if (real) for (const dir of foldersAbove(real, realOrUndefined(home) ?? home)) seen.add(dir);
  return [...seen];
}

/** The first folder on the way to `p` that others could use to replace it; undefined when none. */
function folderAboveProblem(p: string, who: Who): TrustProblem | undefined {
  if (who.uid === undefined) return undefined;
  for (const dir of foldersOnTheWay(p, who.home)) {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      continue; // not there (yet): made later, by us
    }
    if (st.uid !== who.uid && st.uid !== 0) {
      return { path: dir, role: 'above', reason: `belongs to uid ${st.uid}`, fix: chown(who, dir), kind: 'owner' };
    }
    if (writableByOthers(st, who)) {
      return { path: dir, role: 'above', reason: `can be written by other users (mode ${octal(st.mode)})`, fix: `run \`chmod go-w ${dir}\``, kind: 'writable' };
    }
  }
  return undefined;
}

/** A file's or folder's own owner and mode: of the user or root (when `rootOk`), writable by no one else. */
function statProblem(p: string, st: fs.Stats, who: Who, rootOk: boolean): TrustProblem | undefined {
  if (who.uid === undefined) return undefined;
  if (st.uid !== who.uid && !(rootOk && st.uid === 0)) {
    return { path: p, role: 'itself', reason: `belongs to uid ${st.uid}, not to you${rootOk ? ' or root' : ''}`, fix: chown(who, p), kind: 'owner' };
  }
  if (writableByOthers(st, who)) {
    return { path: p, role: 'itself', reason: `can be written by other users (mode ${octal(st.mode)})`, fix: `run \`chmod go-w ${p}\``, kind: 'writable' };
  }
  return undefined;
}

/**
 * The trust problem of a configuration file (it may be a link: the user's dotfiles), or undefined when it is fine
 * or absent.
 */
function configFileProblem(file: string, who: Who): TrustProblem | undefined {
  if (who.uid === undefined) return undefined;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  return statProblem(file, st, who, true) ?? folderAboveProblem(file, who);
}

/**
 * The trust problem of a folder xacct writes into (or reads its own state from): it must be the user's own, and
 * the folders above it must not let others swap it. Its mode is not judged here (ensurePrivateDir makes it 0700).
 * A folder not made yet is judged by the folders it would be made in.
 */
function stateFolderProblem(dir: string, who: Who): TrustProblem | undefined {
  if (who.uid === undefined) return undefined;
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return folderAboveProblem(dir, who);
  }
  if (!st.isDirectory()) return { path: dir, role: 'itself', reason: 'is not a folder', fix: `run \`rm ${dir}\``, kind: 'kind' };
  if (st.uid !== who.uid) {
    return {
      path: dir,
      role: 'itself',
      reason: `belongs to uid ${st.uid}, not to you: its owner could read, replace or plant files in it`,
      fix: 'have its owner remove it, or point the XDG_* variable that leads there to a folder of your own',
      kind: 'owner',
    };
  }
  return folderAboveProblem(dir, who);
}

/**
 * A folder xacct reads its own private state from (the file backend's store) and cannot fix first: the user's own,
 * writable by no one else (who could delete or roll back what is in it), and the folders above it likewise.
 */
function privateFolderProblem(dir: string, who: Who): TrustProblem | undefined {
  const problem = stateFolderProblem(dir, who);
  if (problem || who.uid === undefined) return problem;
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return undefined;
  }
  if (!writableByOthers(st, who)) return undefined;
  return {
    path: dir,
    role: 'itself',
    reason: `can be written by other users (mode ${octal(st.mode)}), who could delete or roll back what is in it`,
    fix: `run \`chmod 700 ${dir}\``,
    kind: 'writable',
  };
}

/**
 * What is wrong with a file xacct writes (audit log, fast-path index, encrypted store), looked at without opening it
 * (lstat: a FIFO is not waited on, a link not followed), for `doctor`; undefined when it is fine or absent.
 */
function stateFileProblem(file: string, who: Who): TrustProblem | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return undefined;
  }
  const problem = (kind: TrustProblem['kind'], reason: string, fix = `run \`rm ${file}\``): TrustProblem => ({ path: file, role: 'itself', reason, fix, kind });
  if (st.isSymbolicLink()) return problem('kind', 'is a symbolic link');
  if (!st.isFile()) return problem('kind', st.isFIFO() ? 'is a FIFO' : st.isDirectory() ? 'is a folder' : 'is not a regular file');
  if (who.uid === undefined) return undefined;
  if (st.uid !== who.uid) return problem('owner', `belongs to uid ${st.uid}, not to you`);
  if (st.nlink > 1) return problem('links', `has other names (${st.nlink} hard links)`);
  // Its mode is xacct's to fix (every write makes it 0600); the keychain check reports the store's.
  return undefined;
}

/** The failure of opening a file that is not a regular file of the user (message: the problem's sentence). */
class UntrustedFileError extends Error {
  readonly code = 'EUNTRUSTED';
  readonly problem: TrustProblem;
  constructor(problem: TrustProblem, what: string) {
    super(describeProblem(problem, `${what} ${problem.path}`));
    this.problem = problem;
  }
}

/** opened-file.cts's rule (rootOk, singleLink, notWritableByOthers); state files of the user get their mode fixed instead. */
interface OpenCheck extends Omit<Parameters<typeof opened.openedFileProblem>[1], 'uid'> {
  readonly who: Who;
  /** "the audit log": names the file in messages. */
  readonly what: string;
}

function refuse(file: string, check: OpenCheck, kind: TrustProblem['kind'], reason: string, fix = `run \`rm ${file}\``): UntrustedFileError {
  return new UntrustedFileError({ path: file, role: 'itself', reason, fix, kind }, check.what);
}

/** `fstat` of what was opened: a regular file of the user. Throws UntrustedFileError (the fd is closed). */
function checkOpened(fd: number, file: string, check: OpenCheck): fs.Stats {
  const st = fs.fstatSync(fd);
  const problem = opened.openedFileProblem(st, { ...check, uid: check.who.uid });
  if (problem) {
    fs.closeSync(fd);
    const fix = problem.kind === 'owner' && check.rootOk ? chown(check.who, file) : problem.kind === 'writable' ? `run \`chmod go-w ${file}\`` : undefined;
    throw refuse(file, check, problem.kind, problem.reason, fix);
  }
  return st;
}

/** A link at the last component is refused (ELOOP) rather than followed: it is reported as one. */
function openNoFollow(file: string, flags: number, mode: number, check: OpenCheck): { fd: number; stat: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw refuse(file, check, 'kind', 'is a symbolic link');
    // A FIFO opened for writing with no reader at the other end.
    if (code === 'ENXIO') throw refuse(file, check, 'kind', 'is a FIFO');
    throw err;
  }
  return { fd, stat: checkOpened(fd, file, check) };
}

/** Opens a file of the user for appending (created 0600 when missing), never through a link or into a FIFO. */
function openForAppend(file: string, check: OpenCheck): { fd: number; stat: fs.Stats } {
  const c = fs.constants;
  return openNoFollow(file, c.O_WRONLY | c.O_APPEND | c.O_CREAT, 0o600, { ...check, singleLink: check.singleLink ?? true });
}

/** Opens a file for reading without hanging on a FIFO; `follow` allows a link at the last component (dotfiles). */
function openForRead(file: string, check: OpenCheck & { readonly follow?: boolean }): { fd: number; stat: fs.Stats } {
  if (!check.follow) return openNoFollow(file, fs.constants.O_RDONLY, 0, check);
  const fd = opened.openForReading(file, true);
  return { fd, stat: checkOpened(fd, file, check) };
}

export = {
  describeProblem,
  configFileProblem,
  stateFolderProblem,
  privateFolderProblem,
  stateFileProblem,
  folderAboveProblem,
  statProblem,
  openForAppend,
  openForRead,
  UntrustedFileError,
  O_NOFOLLOW,
  O_NONBLOCK,
};
