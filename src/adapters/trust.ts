/**
 * The ESM side of src/adapters/file-trust.cts: who the user is, and trust problems and file-system failures as the one
 * clear line a user reads (XacctError / ConfigError with the command that fixes it).
 */
import { closeSync, fstatSync, readFileSync, type BigIntStats } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import trust from './file-trust.cjs';
import { ConfigError, RefusedPathError, XacctError } from '../core/errors.js';

export type TrustProblem = NonNullable<ReturnType<typeof trust.configFileProblem>>;
export type Who = Parameters<typeof trust.configFileProblem>[1];

/**
 * The user xacct runs as, for the checks: uid (none on Windows), the home folder (os.homedir() is $HOME when set,
 * as xacctPaths has it), and the name for `chown` fixes.
 */
export function whoAmI(): Who {
  let userName: string | undefined;
  try {
    userName = userInfo().username;
  } catch {
    userName = undefined;
  }
  return { uid: process.getuid?.(), home: homedir(), ...(userName ? { userName } : {}) };
}

/** A configuration file others could change: exit 2, naming the file and the fix. `what`: "a profile map". */
export function configRefusal(file: string, problem: TrustProblem, what: string, why = 'names commands xacct runs'): ConfigError {
  return new ConfigError(`refused: ${trust.describeProblem(problem, 'it')}, and ${what} ${why}`, { file, hint: problem.fix });
}

/** A folder (or a file in it) that xacct will not use: exit 1. `action`: "use the lock folder", "append to". */
export function stateRefusal(problem: TrustProblem, action: string, path: string): RefusedPathError {
  return new RefusedPathError(`refused to ${action} ${path}: ${trust.describeProblem(problem, 'it')}`, problem.fix);
}

/** The problem as a phrase about `name` ("the lock folder /x"): "the folder /y above the lock folder /x belongs to uid 7". */
export function describeTrustProblem(problem: TrustProblem, name: string): string {
  return trust.describeProblem(problem, name);
}

/** The looks of doctor, as the user running it: nothing is opened, created or changed. */
export function trustInspector(): { stateFolder: (dir: string) => TrustProblem | undefined; privateFolder: (dir: string) => TrustProblem | undefined; stateFile: (file: string) => TrustProblem | undefined; configFile: (file: string) => TrustProblem | undefined } {
  const who = whoAmI();
  return {
    stateFolder: (dir) => trust.stateFolderProblem(dir, who),
    privateFolder: (dir) => trust.privateFolderProblem(dir, who),
    stateFile: (file) => trust.stateFileProblem(file, who),
    configFile: (file) => trust.configFileProblem(file, who),
  };
}

/** The trust problem carried by an error of file-trust.cjs (an untrusted file was opened), else undefined. */
export function untrustedProblem(err: unknown): TrustProblem | undefined {
  return err instanceof trust.UntrustedFileError ? err.problem : undefined;
}

/**
 * The bytes of a regular file, opened without blocking (a FIFO is refused, never waited on); a link at its name is
 * followed unless `check.follow` is false. Throws the errno error, or UntrustedFileError (see untrustedProblem).
 */
export function readRegularFile(file: string, check: Parameters<typeof trust.openForRead>[1]): Buffer {
  return readRegularFileAndStat(file, check).bytes;
}

/** readRegularFile, with the (bigint) stat of the file opened, taken before it was read. */
export function readRegularFileAndStat(file: string, check: Parameters<typeof trust.openForRead>[1]): { bytes: Buffer; stat: BigIntStats } {
  const { fd } = trust.openForRead(file, check);
  try {
    const stat = fstatSync(fd, { bigint: true });
    return { bytes: readFileSync(fd), stat };
  } finally {
    closeSync(fd);
  }
}

const FS_REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of its path is a file',
  EISDIR: 'it is a folder',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
};

/** The errno codes that mean "this place cannot be written", for which a fallback may help. */
export const UNWRITABLE = new Set(['EROFS', 'EACCES', 'EPERM']);

export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A failed file operation as one line: `cannot write /x/y: no space left on the device`. Keeps the errno as cause. */
export function fsFailure(err: unknown, action: string, path: string, hint?: string, reasons: Readonly<Record<string, string>> = {}): XacctError {
  if (err instanceof XacctError) return err;
  const problem = untrustedProblem(err);
  if (problem) {
    // A folder where a file should be is a mistake; a link, a FIFO or a file of someone else is refused.
    if (problem.reason === 'is a folder') return new XacctError(`cannot ${action} ${path}: it is a folder`, { hint: problem.fix });
    return stateRefusal(problem, action, path);
  }
  const code = errnoOf(err);
  const reason = (code && (reasons[code] ?? FS_REASONS[code])) ?? code ?? (err instanceof Error ? err.message : String(err));
  return new XacctError(`cannot ${action} ${path}: ${reason}`, { cause: err, ...(hint ? { hint } : {}) });
}
