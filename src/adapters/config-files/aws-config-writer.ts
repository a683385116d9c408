import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mergeAwsConfigEntries, type AwsConfigEntry, type AwsConfigMerge } from '../../core/aws-config-entries.js';
import { ConfigError, XacctError } from '../../core/errors.js';
import { makeDirs, writeFileAtomic, type AtomicWriteOps } from '../atomic-file.js';

/** The file operations of the atomic writes; tests replace one to fail half-way. */
export type FileOps = AtomicWriteOps;

export interface AwsConfigWrite extends AwsConfigMerge {
  /** The file as named (AWS_CONFIG_FILE or ~/.aws/config). */
  readonly file: string;
  /** The previous content, kept when the file changed and existed before. */
  readonly backup?: string;
}

function backupPathOf(file: string): string {
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
  const ops = options.fileOps ?? {};
  const existing = await readExisting(file);
  const merge = mergeAwsConfigEntries(existing?.text ?? '', entries, { command: options.command, file });
  if (!merge.changed) return { ...merge, file };

  try {
    let backup: string | undefined;
    if (existing) {
      backup = backupPathOf(file);
      await writeFileAtomic(backup, existing.bytes, { mode: existing.mode, ops });
    } else {
      await makeDirs(dirname(file), 0o700);
    }
    await writeFileAtomic(existing?.target ?? file, merge.text, { mode: existing?.mode ?? 0o600, ops });
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

async function readExisting(file: string): Promise<ExistingFile | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
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
  const target = await realpath(file);
  const mode = (await stat(target)).mode & 0o7777;
  return { text, bytes, mode, target };
}
