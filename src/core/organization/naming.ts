/**
 * The names `xacct sync` gives the accounts of an organization (SPEC, "Accounts from AWS Organizations"):
 * the account's Name lower-cased, every run of characters outside [a-z0-9] made one `-`; when two accounts would
 * get one name, the one that joined first keeps it and the others get `-<last 4 digits of id>`.
 * Names depend only on the accounts listed, never on the order AWS lists them in, so they are stable across syncs.
 */

/** An account as the organization lists it. */
export interface OrgAccount {
  readonly id: string;
  /** Its Name in AWS Organizations, as written. */
  readonly name: string;
  /** JoinedTimestamp, in milliseconds. */
  readonly joinedMs: number;
}

/**
 * The Name made a profile-map name. Dashes at either end are dropped (a name starting with `-` would read as an
 * option on a command line); a Name with no letter or digit of [a-z0-9] at all becomes `account`.
 */
export function baseName(accountName: string): string {
  const name = accountName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name || 'account';
}

/** Earlier joiners first; the account id breaks a tie, so that the order never depends on the listing. */
export function joinedOrder(a: OrgAccount, b: OrgAccount): number {
  return a.joinedMs - b.joinedMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The name of every account, by id. A contested name goes to the account that joined first; the others get
 * `<name>-<last 4 digits of id>`. Should that be taken too (an account really named so, or two ids ending alike),
 * the whole id is used instead, which no other account can have.
 */
export function accountNames(accounts: readonly OrgAccount[]): Map<string, string> {
  const ordered = [...accounts].sort(joinedOrder);
  const taken = new Set<string>();
  const names = new Map<string, string>();
  const contested: { account: OrgAccount; base: string }[] = [];
  for (const account of ordered) {
    if (names.has(account.id)) continue;
    const base = baseName(account.name);
    if (taken.has(base)) {
      contested.push({ account, base });
      continue;
    }
    taken.add(base);
    names.set(account.id, base);
  }
  // Plain names first, all of them: a suffixed name never takes the plain name of an account that joined later.
  for (const { account, base } of contested) {
    let name = `${base}-${account.id.slice(-4)}`;
    if (taken.has(name)) name = `${base}-${account.id}`;
    taken.add(name);
    names.set(account.id, name);
  }
  return names;
}
