/**
 * What a sync changes, from what the organization lists now and what organization.toml held before. Pure: the use
 * case (src/app/sync-organization.ts) lists, decides with this, and writes.
 */
import { globMatcher } from './glob.js';
import { accountNames } from './naming.js';
import type { ListedAccount, SyncedAccount } from './types.js';

export interface Rename {
  readonly id: string;
  readonly from: string;
  readonly to: string;
}

export interface SyncPlan {
  /** The accounts organization.toml is to hold, sorted by name. */
  readonly accounts: readonly SyncedAccount[];
  readonly added: readonly SyncedAccount[];
  readonly removed: readonly SyncedAccount[];
  readonly renamed: readonly Rename[];
  /** Listed but not ACTIVE (suspended, closed, pending). */
  readonly inactive: number;
  /** ACTIVE but left out by `exclude`. */
  readonly excluded: readonly SyncedAccount[];
}

export function planSync(listed: readonly ListedAccount[], previous: readonly SyncedAccount[], options: { exclude?: readonly string[] } = {}): SyncPlan {
  const active = listed.filter((a) => a.state === 'ACTIVE');
  const names = accountNames(active);
  const excludedBy = globMatcher(options.exclude ?? []);
  const accounts: SyncedAccount[] = [];
  const excluded: SyncedAccount[] = [];
  for (const a of active) {
    const synced = { name: names.get(a.id)!, id: a.id, awsName: a.name };
    (excludedBy(synced.name) || excludedBy(a.id) ? excluded : accounts).push(synced);
  }
  accounts.sort(byName);

  const before = new Map(previous.map((a) => [a.id, a]));
  const now = new Map(accounts.map((a) => [a.id, a]));
  const added = accounts.filter((a) => !before.has(a.id));
  const removed = previous.filter((a) => !now.has(a.id)).sort(byName);
  const renamed: Rename[] = [];
  for (const a of accounts) {
    const old = before.get(a.id);
    if (old && old.name !== a.name) renamed.push({ id: a.id, from: old.name, to: a.name });
  }
  return { accounts, added, removed, renamed, inactive: listed.length - active.length, excluded: excluded.sort(byName) };
}

export function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
