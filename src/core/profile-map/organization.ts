/**
 * `[organization]` of the profile map, and the accounts `xacct sync` wrote to organization.toml, read as part of
 * `[accounts]` (SPEC, "Accounts from AWS Organizations"). An account the map names itself, by name or by id,
 * wins over a synced one.
 */
import type { OrganizationFile } from '../organization/organization-file.js';
import type { OrganizationSettings, SyncedAccount } from '../organization/types.js';
import type { Account, DroppedProfile } from './profile-plans.js';
import { TableReader, tableName } from './toml-table.js';

const ORGANIZATION_KEYS = ['via', 'include_ous', 'exclude'];

/** An OU (ou-ab12-34cd56ef) or a root (r-ab12), as AWS Organizations writes their ids. */
const PARENT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;

/** A synced account left out because the map's own `[accounts]` has its name or its id. */
export interface ShadowedAccount {
  readonly account: SyncedAccount;
  /** The map's account that wins, and where it is written. */
  readonly by: { readonly name: string; readonly id: string; readonly definedAt: string };
}

export interface MapOrganization {
  readonly settings: OrganizationSettings;
  /** organization.toml, when `xacct sync` has written one. */
  readonly file?: string;
  readonly synced?: OrganizationFile;
  /** Synced accounts the map's own `[accounts]` win over. */
  readonly shadowed: readonly ShadowedAccount[];
  /** Profiles of synced accounts left out because the map has their name already. */
  readonly dropped: readonly DroppedProfile[];
}

export function readOrganizationSettings(top: TableReader): OrganizationSettings | undefined {
  const table = top.subTable('organization');
  if (!table) return undefined;
  const path = ['organization'];
  const t = new TableReader(top.toml, path, table, ORGANIZATION_KEYS);
  const via = t.string('via', { test: (v) => v.trim() !== '', expected: 'a profile name' });
  if (via === undefined) {
    throw t.error(undefined, `${tableName(path)} has no via`, 'write via = "<profile>": a profile (of this map or ~/.aws/config) allowed organizations:ListAccounts');
  }
  const includeOus = strings(t, 'include_ous', { test: (v) => PARENT_ID.test(v), expected: 'an OU id such as ou-ab12-34cd56ef (or a root id, r-ab12)' });
  const exclude = strings(t, 'exclude', { test: (v) => v.trim() !== '', expected: 'a glob of account names such as "sandbox-*"' });
  return { via, ...(includeOus ? { includeOus } : {}), ...(exclude ? { exclude } : {}), definedAt: top.toml.where(path) };
}

function strings(t: TableReader, key: string, check: { test: (v: string) => boolean; expected: string }): string[] | undefined {
  const value = t.table[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw t.error(key, `${t.describe(key)} must be a list of strings`);
  for (const v of value) {
    if (typeof v !== 'string') throw t.error(key, `${t.describe(key)} must be a list of strings`);
    if (!check.test(v)) throw t.error(key, `${t.describe(key)} is invalid: '${v}' is not ${check.expected}`);
  }
  return value as string[];
}

/**
 * The map's accounts followed by the synced ones it does not name itself. organization.toml is read only when
 * the map has `[organization]`: without it, a file left by an earlier sync adds nothing.
 */
export function withSyncedAccounts(
  own: ReadonlyMap<string, Account>,
  settings: OrganizationSettings | undefined,
  synced: { readonly file: string; readonly data: OrganizationFile } | undefined,
  where: (account: Account) => string = (a) => a.name,
): { accounts: ReadonlyMap<string, Account>; organization?: MapOrganization } {
  if (!settings) return { accounts: own };
  if (!synced) return { accounts: own, organization: { settings, shadowed: [], dropped: [] } };
  const accounts = new Map(own);
  const ownIds = new Map<string, Account>();
  for (const a of own.values()) if (!ownIds.has(a.id)) ownIds.set(a.id, a);
  const shadowed: ShadowedAccount[] = [];
  for (const s of synced.data.accounts) {
    const winner = own.get(s.name) ?? ownIds.get(s.id);
    if (winner) {
      shadowed.push({ account: s, by: { name: winner.name, id: winner.id, definedAt: where(winner) } });
      continue;
    }
    accounts.set(s.name, { name: s.name, id: s.id, origin: 'organization', definedAt: s.line ? `${synced.file}:${s.line}` : synced.file });
  }
  return { accounts, organization: { settings, file: synced.file, synced: synced.data, shadowed, dropped: [] } };
}
