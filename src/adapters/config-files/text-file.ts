/**
 * A user's text file (the AWS config or credentials file, the profile map) read for an edit that keeps every other
 * byte, and written back atomically with its own mode.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { ConfigError, XacctError } from '../../core/errors.js';
import { writeFileAtomic, type AtomicWriteOps } from '../atomic-file.js';
import { readRegularFile } from '../trust.js';

export interface ExistingFile {
  /** As named (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials…). */
  readonly file: string;
  readonly text: string;
  readonly bytes: Buffer;
  readonly mode: number;
  /** The real file behind a symlink, so that the link survives. */
  readonly target: string;
}

/** The file, or undefined when it does not exist; `what` names it in errors ("the AWS config"). */
export async function readExisting(file: string, what: string): Promise<ExistingFile | undefined> {
  let bytes: Buffer;
  try {
    // Without blocking: a FIFO in its place is refused rather than waited on.
    bytes = readRegularFile(file, { who: { uid: undefined, home: undefined }, what, follow: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new XacctError(`could not read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let text: string;
  try {
    // ignoreBOM keeps a byte order mark in the text, so that it is written back.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ConfigError(`${what} is not UTF-8 text; nothing was written`, { file });
  }
  const target = await realpath(file);
  const mode = (await stat(target)).mode & 0o7777;
  return { file, text, bytes, mode, target };
}

/**
 * Replaces the file read as `before` with `text`, atomically and with its mode, unless it changed since it was read
 * (another program wrote it meanwhile): then nothing is written.
 */
export async function replaceExisting(before: ExistingFile, text: string, ops: Partial<AtomicWriteOps> = {}): Promise<void> {
  const now = await readFile(before.target).catch(() => undefined);
  if (!now || !now.equals(before.bytes)) {
    throw new XacctError(`${before.file} changed while xacct was working on it; nothing was written`, { hint: 'run the command again' });
  }
  try {
    await writeFileAtomic(before.target, text, { mode: before.mode, ops });
  } catch (err) {
    // writeFileAtomic's failures are one line already (cannot write …: no space left on the device).
    if (err instanceof XacctError) throw new XacctError(err.message, { exitCode: err.exitCode, cause: err, hint: err.hint ?? 'the file was left as it was' });
    throw new XacctError(`could not write ${before.file}: ${(err as Error).message}`, { cause: err, hint: 'the file was left as it was' });
  }
}
