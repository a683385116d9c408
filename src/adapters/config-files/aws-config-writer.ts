import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { mergeAwsConfigEntries, type AwsConfigEntry, type AwsConfigMerge } from '../../core/aws-config-entries.js';
import { ConfigError, XacctError } from '../../core/errors.js';
import { makeDirs } from '../atomic-file.js';

/** The file operations the writer uses; tests replace one to fail half-way. */
export type FileOps = Pick<typeof fs, 'readFile' | 'writeFile' | 'open' | 'rename' | 'chmod' | 'unlink' | 'stat' | 'mkdir' | 'realpath'>;

export interface AwsConfigWrite extends AwsConfigMerge {
  /** The file as named (AWS_CONFIG_FILE or ~/.aws/config). */
  readonly file: string;
  /** The previous content, kept when the file changed and existed before. */
  readonly backup?: string;
}

export function backupPathOf(file: string): string {
  return `${file}.xacct-backup`;
}

/**
 * Merges xacct's entries into the AWS config file. Nothing is written when nothing changes (the file keeps its
 * mtime); otherwise the previous content goes to `<file>.xacct-backup` and the new one replaces the file
 * atomically, with the file's mode (0600 for a new file). A symlinked config is written through the link.
 */
export async function writeAwsConfigEntries(
  file: string,
  entries: readonly AwsConfigEntry[],
  options: { command?: string; fileOps?: Partial<FileOps> } = {},
): Promise<AwsConfigWrite> {
  const ops: FileOps = { ...fs, ...options.fileOps };
  const existing = await readExisting(ops, file);
  const merge = mergeAwsConfigEntries(existing?.text ?? '', entries, { command: options.command, file });
  if (!merge.changed) return { ...merge, file };

  try {
    let backup: string | undefined;
    if (existing) {
      backup = backupPathOf(file);
      await replaceFile(ops, backup, existing.bytes, existing.mode);
    } else {
      await makeDirs(dirname(file), 0o700, (path, options) => ops.mkdir(path, options));
    }
    await replaceFile(ops, existing?.target ?? file, Buffer.from(merge.text, 'utf8'), existing?.mode ?? 0o600);
    return { ...merge, file, ...(backup ? { backup } : {}) };
  } catch (err) {
    if (err instanceof XacctError) throw err;
    throw new XacctError(`could not write ${file}: ${(err as Error).message}`, { cause: err, hint: 'the file was left as it was' });
  }
}

interface ExistingFile {
  readonly text: string;
  readonly bytes: Buffer;
  readonly mode: number;
  /** The real file behind a symlink, so that the link survives. */
  readonly target: string;
}

async function readExisting(ops: FileOps, file: string): Promise<ExistingFile | undefined> {
  let bytes: Buffer;
  try {
    bytes = await ops.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new XacctError(`could not read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let text: string;
  try {
    // ignoreBOM keeps a byte order mark in the text, so that it is written back.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ConfigError('the AWS config is not UTF-8 text; nothing was written', { file });
  }
  const target = await ops.realpath(file);
  const mode = (await ops.stat(target)).mode & 0o7777;
  return { text, bytes, mode, target };
}

/** Temp file in the same folder, exact mode, fsync, rename over the target; the temp file never outlives a failure. */
async function replaceFile(ops: FileOps, path: string, data: Buffer, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await ops.open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await ops.chmod(temp, mode); // open()'s mode passes through the umask; the original's mode must not.
    await ops.rename(temp, path);
  } catch (err) {
    await ops.unlink(temp).catch(() => undefined);
    throw err;
  }
}
