import { realpath } from 'node:fs/promises';
import trust from '../file-trust.cjs';
import { ConfigError } from '../../core/errors.js';
import { parseOrganizationFile } from '../../core/organization/organization-file.js';
import { includesOf, parseMapDocument, type IncludeEntry, type MapDocument } from '../../core/profile-map/include.js';
import type { SyncedInput } from '../../core/profile-map/parse-profile-map.js';
import type { FileStat } from '../../core/profile-map/types.js';
import { configRefusal, errnoOf, readRegularFileAndStat, untrustedProblem, whoAmI } from '../trust.js';

/** A configuration file's text, and its stat taken (on the open file) before it was read. */
export interface ReadFile {
  readonly file: string;
  readonly text: string;
  readonly stat: FileStat;
}

/**
 * The profile map's text, or undefined when the file does not exist (no profile map is not an error).
 * A profile map names commands xacct runs (mfa_process, on_assume), so it is read only when no one but the user
 * (or root) can change it: see readTrustedConfig. An included map is read the same way, one call per file.
 */
export async function readProfileMapFile(file: string): Promise<ReadFile | undefined> {
  const read = readTrustedConfig(file, 'the profile map', 'a profile map');
  return read && { file, ...read };
}

/**
 * The text of a configuration file xacct trusts (`what`: "the profile map"; `kind`: "a profile map") (like ssh's StrictModes): it must belong to the user or root and be
 * writable by no one else, and so must every folder above it up to HOME (or /), else a ConfigError (exit 2) names
 * it and the `chmod`/`chown` that fixes it. A link at its name is followed (dotfiles), its target judged.
 * undefined when missing; a FIFO or a folder is refused without waiting on it.
 */
export function readTrustedConfig(file: string, what: string, kind: string, why?: string): { text: string; stat: FileStat } | undefined {
  const who = whoAmI();
  const read = readText(file, what, { who, what, rootOk: true, notWritableByOthers: true, follow: true }, kind, why);
  if (read === undefined) return undefined;
  const problem = trust.folderAboveProblem(file, who);
  if (problem) throw configRefusal(file, problem, kind, why);
  return read;
}

/**
 * A file's text and its stat (taken on the open file), undefined when missing; other failures (permissions, a
 * folder, a FIFO) are ConfigErrors naming it.
 */
export function readOptionalFile(file: string, what: string): { text: string; stat: FileStat } | undefined {
  return readText(file, what, { who: { uid: undefined, home: undefined }, what, follow: true });
}

function readText(file: string, what: string, check: Parameters<typeof readRegularFileAndStat>[1], kind = what, why?: string): { text: string; stat: FileStat } | undefined {
  try {
    const { bytes, stat } = readRegularFileAndStat(file, check);
    return { text: bytes.toString('utf8'), stat };
  } catch (err) {
    const problem = untrustedProblem(err);
    if (problem) {
      // Only its own owner and mode make it untrusted; being a FIFO or a folder makes it unreadable.
      if (problem.kind === 'owner' || problem.kind === 'writable') throw configRefusal(file, problem, kind, why);
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

export interface MapWithIncludes {
  /** The included maps depth first (each after the maps it includes), the main map last. */
  readonly documents: readonly MapDocument[];
  /** The stat of each included map (not the main one), by path, in reading order. */
  readonly included: ReadonlyMap<string, FileStat>;
}

/**
 * The profile map and every map it includes, followed depth first, each read as the main map is (readTrustedConfig).
 * A file reached twice (two maps include one team map) is read once; a file that includes itself, directly or not,
 * is a loop. Errors name the file and line of the `include` that fails. `parse`: parseMapDocument, or the same
 * through the cache of parsed maps (parsed-map-cache.ts).
 */
export async function readMapWithIncludes(main: ReadFile, home: string, parse: typeof parseMapDocument = parseMapDocument): Promise<MapWithIncludes> {
  const documents: MapDocument[] = [];
  const included = new Map<string, FileStat>();
  const done = new Set<string>();

  const visit = async (d: MapDocument, chain: readonly { file: string; real: string }[]) => {
    for (const entry of includesOf(d, home)) {
      const real = await realpath(entry.path).catch((err: unknown) => {
        const code = errnoOf(err);
        throw includeError(entry, code === 'ENOENT' || code === 'ENOTDIR' ? `${entry.path} does not exist` : `cannot read ${entry.path}: ${reasonOf(code, err)}`);
      });
      const loop = chain.findIndex((c) => c.real === real);
      if (loop >= 0) {
        const cycle = [...chain.slice(loop).map((c) => c.file), entry.path].join(' → ');
        throw includeError(entry, `include loop: ${cycle}`, 'a map may include another only once along a chain: remove one of these include entries');
      }
      if (done.has(real)) continue;
      const read = readTrustedConfig(entry.path, 'an included profile map', 'an included profile map');
      if (!read) throw includeError(entry, `${entry.path} does not exist`);
      included.set(entry.path, read.stat);
      await visit(parse(read.text, entry.path), [...chain, { file: entry.path, real }]);
    }
    documents.push(d);
    done.add(chain[chain.length - 1]!.real);
  };

  const mainReal = await realpath(main.file).catch(() => main.file);
  await visit(parse(main.text, main.file), [{ file: main.file, real: mainReal }]);
  return { documents, included };
}

function includeError(entry: IncludeEntry, message: string, hint?: string): ConfigError {
  return new ConfigError(`include '${entry.written}': ${message}`, {
    file: entry.from,
    ...(entry.line ? { line: entry.line } : {}),
    hint: hint ?? 'paths are relative to the folder of the file that includes them; ~/ is the home folder',
  });
}

/**
 * organization.toml as `xacct sync` wrote it, or undefined before the first sync. It decides which account a
 * profile name assumes a role in, so it is trusted only as the profile map is.
 */
export async function readOrganizationFile(file: string): Promise<SyncedInput | undefined> {
  const read = readTrustedConfig(file, 'the accounts synced from AWS Organizations', 'the file of synced accounts', 'decides which account each of its profiles enters');
  return read ? { file, data: parseOrganizationFile(read.text, file) } : undefined;
}
