import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../core/errors.js';

/** The profile map's text, or undefined when the file does not exist (no profile map is not an error). */
export async function readProfileMapFile(file: string): Promise<{ file: string; text: string } | undefined> {
  const text = await readOptionalText(file, 'the profile map');
  return text === undefined ? undefined : { file, text };
}

/** A file's text, undefined when missing; other failures (permissions, a folder) are ConfigErrors naming it. */
export async function readOptionalText(file: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : String(code ?? err);
    throw new ConfigError(`cannot read ${what}: ${reason}`, { file });
  }
}
