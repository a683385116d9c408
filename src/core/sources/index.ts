/**
 * The registry of source kinds, in the order a source's links are tried. A new kind is one module of this folder
 * implementing SourceKind, and one line here (see README.md, "Adding a source kind").
 */
import { SESSION_DURATION } from '../duration.js';
import { XacctError } from '../errors.js';
import type { SourceLink, SourcePlan } from '../profile-map/types.js';
import type { TableReader } from '../profile-map/toml-table.js';
import { awsProfile } from './aws-profile.js';
import type { SourceKind } from './kind.js';
import { storedKeys } from './stored-keys.js';

export const SOURCE_KINDS: readonly SourceKind[] = [storedKeys, awsProfile];

/** The kind of a link. */
export function kindOf(link: SourceLink, kinds: readonly SourceKind[] = SOURCE_KINDS): SourceKind {
  const kind = kinds.find((k) => k.kind === link.kind);
  if (!kind) throw new XacctError(`unknown kind of source '${link.kind}'`);
  return kind;
}

/** The settings of `[sources.X]` that some kind reads. */
export function sourceKindSettings(): string[] {
  return SOURCE_KINDS.flatMap((k) => k.settings);
}

/** The links of a source of the profile map, read from its table. */
export function linksFromTable(name: string, table: TableReader): SourceLink[] {
  return SOURCE_KINDS.flatMap((k) => k.fromTable(name, table) ?? []);
}

/** A source named by `source_profile` of ~/.aws/config role profiles, or by a command for a source the map lacks. */
export function sourceForAwsProfile(name: string, extra: Partial<Omit<SourcePlan, 'name' | 'credentials'>> = {}): SourcePlan {
  return {
    name,
    credentials: SOURCE_KINDS.flatMap((k) => k.fromAwsProfile(name) ?? []),
    sessionDurationSeconds: SESSION_DURATION.default,
    ...extra,
  };
}
