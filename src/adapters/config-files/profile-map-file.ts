import trust from '../../fast/file-trust.cjs';
import { ConfigError } from '../../core/errors.js';
import { configRefusal, errnoOf, readRegularFile, untrustedProblem, whoAmI } from '../trust.js';

/**
 * The profile map's text, or undefined when the file does not exist (no profile map is not an error).
 * A profile map names commands xacct runs (mfa_process, on_assume), so it is read only when no one but the user
 * (or root) can change it: see readTrustedConfig. An included map is read the same way, one call per file.
 */
export async function readProfileMapFile(file: string): Promise<{ file: string; text: string } | undefined> {
  const text = readTrustedConfig(file, 'the profile map', 'a profile map');
  return text === undefined ? undefined : { file, text };
}

/**
 * The text of a configuration file xacct trusts (`what`: "the profile map"; `kind`: "a profile map") (like ssh's StrictModes): it must belong to the user or root and be
 * writable by no one else, and so must every folder above it up to HOME (or /), else a ConfigError (exit 2) names
 * it and the `chmod`/`chown` that fixes it. A link at its name is followed (dotfiles), its target judged.
 * undefined when missing; a FIFO or a folder is refused without waiting on it.
 */
export function readTrustedConfig(file: string, what: string, kind: string): string | undefined {
  const who = whoAmI();
  const text = readText(file, what, { who, what, rootOk: true, notWritableByOthers: true, follow: true }, kind);
  if (text === undefined) return undefined;
  const problem = trust.folderAboveProblem(file, who);
  if (problem) throw configRefusal(file, problem, kind);
  return text;
}

/** A file's text, undefined when missing; other failures (permissions, a folder, a FIFO) are ConfigErrors naming it. */
export async function readOptionalText(file: string, what: string): Promise<string | undefined> {
  return readText(file, what, { who: { uid: undefined, home: undefined }, what, follow: true });
}

function readText(file: string, what: string, check: Parameters<typeof readRegularFile>[1], kind = what): string | undefined {
  try {
    return readRegularFile(file, check).toString('utf8');
  } catch (err) {
    const problem = untrustedProblem(err);
    if (problem) {
      // Only its own owner and mode make it untrusted; being a FIFO or a folder makes it unreadable.
      if (problem.kind === 'owner' || problem.kind === 'writable') throw configRefusal(file, problem, kind);
      throw new ConfigError(`cannot read ${what}: it ${problem.reason}`, { file });
    }
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError(`cannot read ${what}: ${reasonOf(code, err)}`, { file });
  }
}

function reasonOf(code: string | undefined, err: unknown): string {
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return String(code ?? err);
}
