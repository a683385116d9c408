import type { OrgAccount } from './naming.js';

/** An account as ListAccounts / ListAccountsForParent answer it. */
export interface ListedAccount extends OrgAccount {
  /** `State` (ACTIVE, SUSPENDED, PENDING_ACTIVATION, PENDING_CLOSURE, CLOSED), else the older `Status`. */
  readonly state: string;
}

export interface OrganizationInfo {
  readonly id: string;
  readonly managementAccountId?: string;
}

/** AWS Organizations, read-only, with the `via` profile's credentials. Every call is time-limited and retried. */
export interface OrganizationsPort {
  describeOrganization(): Promise<OrganizationInfo>;
  /** Every account of the organization: every page of ListAccounts. */
  listAccounts(): Promise<ListedAccount[]>;
  /** The accounts under these OUs (or roots), their child OUs included, each account once. */
  listAccountsUnder(parentIds: readonly string[]): Promise<ListedAccount[]>;
}

/** One account of organization.toml: its name in the profile map and its id. */
export interface SyncedAccount {
  readonly name: string;
  readonly id: string;
  /** Its Name in AWS Organizations. */
  readonly awsName?: string;
  /** Its line in organization.toml, when read from there. */
  readonly line?: number;
}

/** `[organization]` of the profile map. */
export interface OrganizationSettings {
  /** The profile whose credentials list the organization. */
  readonly via: string;
  readonly includeOus?: readonly string[];
  readonly exclude?: readonly string[];
  /** Where it is written, for messages: "config.toml:12". */
  readonly definedAt?: string;
}
