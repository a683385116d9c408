/**
 * Which profile a name is: every account × role pair (`<account>-<role>`), refined by `[profiles.X]` or replaced by
 * an explicit `[profiles.X]` with role_arn. At organisation scale (5,000 accounts × 5 roles) enumerating every name
 * costs more than the rest of a call, so when no two pairs can make one name (no account is another's name plus
 * `-x` with a role `x-<role>`), a name is looked up by splitting it and names are listed only when asked for;
 * otherwise every name is made once, as before, so that a name made twice is found (and an error or a synced
 * profile left out). Both give the same profiles.
 */
import { tableName, type TableReader } from './toml-table.js';
import type { Account, DroppedProfile, ProfileSettings, Role } from './profile-plans.js';

export type Entry =
  | { readonly kind: 'generated'; readonly account: Account; readonly role: Role; readonly settings?: ProfileSettings }
  | { readonly kind: 'explicit'; readonly settings: ProfileSettings };

/** What the catalog reads of its entries: a map's lookups, and the names in the order they were made. */
export interface ProfileEntries {
  readonly size: number;
  has(name: string): boolean;
  get(name: string): Entry | undefined;
  keys(): IterableIterator<string>;
}

export interface EntryInput {
  readonly top: TableReader;
  readonly settings: ReadonlyMap<string, ProfileSettings>;
  readonly accounts: ReadonlyMap<string, Account>;
  readonly roles: ReadonlyMap<string, Role>;
  /** Receives the synced profiles left out. */
  readonly dropped: DroppedProfile[];
  /** Tests: make every name, whatever the map. */
  readonly eager?: boolean;
}

/** Whether two account × role pairs make one name: a2 = a1 + "-" + m and r1 = m + "-" + r2. */
export function namesCanClash(accounts: ReadonlyMap<string, Account>, roles: ReadonlyMap<string, Role>): boolean {
  for (const a2 of accounts.keys()) {
    for (let i = a2.indexOf('-'); i > 0; i = a2.indexOf('-', i + 1)) {
      if (!accounts.has(a2.slice(0, i))) continue;
      const prefix = `${a2.slice(i + 1)}-`;
      for (const r1 of roles.keys()) if (r1.startsWith(prefix) && roles.has(r1.slice(prefix.length))) return true;
    }
  }
  return false;
}

/** The map's own accounts first: a synced account never takes a name from them. */
function* pairs(accounts: ReadonlyMap<string, Account>, roles: ReadonlyMap<string, Role>): Generator<[Account, Role]> {
  for (const account of accounts.values()) if (account.origin !== 'organization') for (const role of roles.values()) yield [account, role];
  for (const account of accounts.values()) if (account.origin === 'organization') for (const role of roles.values()) yield [account, role];
}

export function profileEntries(input: EntryInput): ProfileEntries {
  return !input.eager && !namesCanClash(input.accounts, input.roles) ? lazyEntries(input) : eagerEntries(input);
}

/** A `[profiles.X]` with role_arn on the name of a pair: an error for the map's own account, the pair left out for a synced one. */
function roleArnOnPair(input: EntryInput, name: string, account: Account, role: Role, s: ProfileSettings): void {
  if (account.origin === 'organization') {
    input.dropped.push({ profile: name, account, by: `[profiles.${name}] (${s.reader.toml.where(['profiles', name])})` });
    return;
  }
  throw s.reader.error(
    'role_arn',
    `${tableName(['profiles', name])} has role_arn, but '${name}' is already the profile of account '${account.name}' with role '${role.name}'`,
    'remove role_arn to refine that profile, or give this one another name',
  );
}

function eagerEntries(input: EntryInput): ProfileEntries {
  const { top, settings, dropped } = input;
  const entries = new Map<string, Entry>();
  for (const [account, role] of pairs(input.accounts, input.roles)) {
    const name = `${account.name}-${role.name}`;
    const s = settings.get(name);
    const earlier = entries.get(name);
    if (earlier?.kind === 'generated') {
      if (account.origin === 'organization') {
        dropped.push({ profile: name, account, by: `account '${earlier.account.name}' with role '${earlier.role.name}'` });
        continue;
      }
      throw top.toml.error(
        ['accounts', account.name],
        `profile name '${name}' is made twice: by account '${earlier.account.name}' with role '${earlier.role.name}' and by account '${account.name}' with role '${role.name}'`,
        'rename one of these accounts or roles',
      );
    }
    if (s?.roleArn !== undefined) {
      roleArnOnPair(input, name, account, role, s);
      continue;
    }
    entries.set(name, { kind: 'generated', account, role, ...(s ? { settings: s } : {}) });
  }
  for (const [name, s] of settings) if (!entries.has(name)) entries.set(name, { kind: 'explicit', settings: s });
  return entries;
}

/** Names looked up by splitting them: with no clash possible, at most one pair makes a name. */
class LazyEntries implements ProfileEntries {
  /** `[profiles.X]` entries: refinements of a pair, and explicit profiles. */
  private readonly own = new Map<string, Entry>();
  /** Pairs of synced accounts whose name an explicit `[profiles.X]` took. */
  private readonly replaced = new Set<string>();
  private explicitOnly = 0;

  constructor(private readonly input: EntryInput) {
    for (const [name, s] of input.settings) {
      const pair = this.pair(name);
      if (pair && s.roleArn === undefined) {
        this.own.set(name, { kind: 'generated', account: pair[0], role: pair[1], settings: s });
        continue;
      }
      if (pair) {
        roleArnOnPair(input, name, pair[0], pair[1], s);
        this.replaced.add(name);
      } else {
        this.explicitOnly++;
      }
      this.own.set(name, { kind: 'explicit', settings: s });
    }
  }

  private pair(name: string): [Account, Role] | undefined {
    for (let i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) {
      const account = this.input.accounts.get(name.slice(0, i));
      const role = account && this.input.roles.get(name.slice(i + 1));
      if (account && role) return [account, role];
    }
    return undefined;
  }

  get size(): number {
    return this.input.accounts.size * this.input.roles.size + this.explicitOnly;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get(name: string): Entry | undefined {
    const own = this.own.get(name);
    if (own) return own;
    const pair = this.pair(name);
    return pair && { kind: 'generated', account: pair[0], role: pair[1] };
  }

  *keys(): IterableIterator<string> {
    for (const [account, role] of pairs(this.input.accounts, this.input.roles)) {
      const name = `${account.name}-${role.name}`;
      if (!this.replaced.has(name)) yield name;
    }
    for (const [name, e] of this.own) if (e.kind === 'explicit') yield name;
  }
}

function lazyEntries(input: EntryInput): ProfileEntries {
  return new LazyEntries(input);
}
