import { dirname } from 'node:path';
import { mergeAwsConfigEntries, writtenAwsConfigCommand, type AwsConfigEntry, type AwsConfigMerge } from '../../core/aws-config-entries.js';
import { XacctError } from '../../core/errors.js';
import { makeDirs, writeFileAtomic, type AtomicWriteOps } from '../atomic-file.js';
import { fsFailure } from '../trust.js';
import { readExisting } from './text-file.js';

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
  options: { command?: string; prune?: boolean; fileOps?: Partial<FileOps> } = {},
): Promise<AwsConfigWrite> {
  const ops = options.fileOps ?? {};
  const existing = await readExisting(file, 'the AWS config');
  const merge = mergeAwsConfigEntries(existing?.text ?? '', entries, {
    ...(options.command !== undefined ? { command: options.command } : {}),
    ...(options.prune ? { prune: true } : {}),
    file,
  });
  if (!merge.changed) return { ...merge, file };

  try {
    let backup: string | undefined;
    if (existing) {
      backup = backupPathOf(file);
      await writeFileAtomic(backup, existing.bytes, { mode: existing.mode, ops });
    } else {
      makeDirs(dirname(file), 0o700);
    }
    await writeFileAtomic(existing?.target ?? file, merge.text, { mode: existing?.mode ?? 0o600, ops });
    return { ...merge, file, ...(backup ? { backup } : {}) };
  } catch (err) {
    const failure = err instanceof XacctError ? err : fsFailure(err, 'write', file, undefined, { ENOENT: 'its folder cannot be created' });
    throw new XacctError(failure.message, { exitCode: failure.exitCode, cause: err, hint: failure.hint ?? 'the file was left as it was' });
  }
}

/** The command xacct's sections in the AWS config run (what a write without --command keeps); `xacct` when none. */
export async function keptAwsConfigCommand(file: string): Promise<string> {
  const existing = await readExisting(file, 'the AWS config');
  return (existing && writtenAwsConfigCommand(existing.text, file)) ?? 'xacct';
}
