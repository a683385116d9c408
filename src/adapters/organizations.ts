/**
 * OrganizationsPort over @aws-sdk/client-organizations, for `xacct sync` only (nothing else loads it).
 * As in sts.ts, the endpoint, region and retries come from the `env` given and the credentials are explicit.
 * Throttling (TooManyRequestsException) is retried by the SDK's standard strategy, with its backoff for
 * throttling (a 500 ms base, doubled each attempt, jittered); every call has a time limit of its own.
 */
import type * as OrgSdk from '@aws-sdk/client-organizations';
import type { Account, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AwsCredentials } from '../core/credentials.js';
import { AwsError, XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import type { ListedAccount, OrganizationInfo, OrganizationsPort } from '../core/organization/types.js';
import { clientConfig, configuredEndpoint, sdkLoader } from './aws-client-config.js';
import { allPages, type PageBounds } from './pages.js';
import { sdkFailure, THROTTLING_CODES } from './sts-errors.js';

export interface OrganizationsOptions {
  /** Attempts per call, the first included. */
  readonly maxAttempts?: number;
  readonly connectionTimeoutMs?: number;
  /** Per attempt. */
  readonly requestTimeoutMs?: number;
  /** Per call, all attempts and their backoff included. */
  readonly callTimeoutMs?: number;
  /** OUs listed at once when following include_ous. */
  readonly concurrency?: number;
  /** Bounds of one listing (pages.ts): a NextToken that comes back again always stops it. */
  readonly listing?: PageBounds;
}

/** 10,000 pages: 200,000 accounts in one listing, 40 times the largest organizations; 30 minutes with throttling. */
const DEFAULTS = { maxAttempts: 8, connectionTimeoutMs: 3_000, requestTimeoutMs: 15_000, callTimeoutMs: 60_000, concurrency: 4, listing: { maxPages: 10_000, timeoutMs: 30 * 60_000 } };

/** AWS answers at most 20 a page for these operations (more is an InvalidInputException). */
const PAGE_SIZE = 20;

type OrgModule = typeof OrgSdk;
const loadSdk = sdkLoader<OrgModule>('@aws-sdk/client-organizations');

/** AWS_ENDPOINT_URL_ORGANIZATIONS, else AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; checked. */
export function organizationsEndpoint(env: Env): string | undefined {
  return configuredEndpoint(env, 'AWS_ENDPOINT_URL_ORGANIZATIONS', 'https://organizations.us-east-1.amazonaws.com');
}

/**
 * `region` only picks the partition: Organizations has one endpoint per partition (us-east-1 for aws), which the
 * SDK's endpoint rules choose.
 */
export function createOrganizations(env: Env, creds: AwsCredentials, region: string, options: OrganizationsOptions = {}): OrganizationsPort {
  const opts = { ...DEFAULTS, ...options };
  const endpoint = organizationsEndpoint(env);
  let client: OrganizationsClient | undefined;
  const sdk = () => loadSdk();
  const getClient = () =>
    (client ??= new (sdk().OrganizationsClient)({
      region,
      ...(endpoint ? { endpoint } : {}),
      useFipsEndpoint: env.AWS_USE_FIPS_ENDPOINT?.trim().toLowerCase() === 'true',
      ...clientConfig(creds, opts),
    }));
  const where = endpoint ?? `the AWS Organizations endpoint (region ${region})`;

  async function call<Out>(operation: string, make: (m: OrgModule) => unknown): Promise<Out> {
    try {
      const command = make(sdk()) as Parameters<OrganizationsClient['send']>[0];
      return (await getClient().send(command, { abortSignal: AbortSignal.timeout(opts.callTimeoutMs) })) as Out;
    } catch (err) {
      throw organizationsError(err, operation, where, opts.callTimeoutMs);
    }
  }

  /** Every page of one listing, one call after the other (NextToken), bounded (pages.ts). */
  function pages<Item>(operation: string, make: (m: OrgModule, token: string | undefined) => unknown, items: (out: Record<string, unknown>) => Item[] | undefined): Promise<Item[]> {
    const listing = {
      what: `AWS Organizations ${operation}`,
      token: 'NextToken',
      hint: `run xacct sync again; if it happens again, ${where} does not page as AWS does: check AWS_ENDPOINT_URL_ORGANIZATIONS / AWS_ENDPOINT_URL`,
    };
    return allPages(listing, opts.listing, async (token) => {
      const out = await call<Record<string, unknown>>(operation, (m) => make(m, token));
      return { items: items(out) ?? [], next: typeof out.NextToken === 'string' ? out.NextToken : undefined };
    });
  }

  const accountsOf = (out: Record<string, unknown>) => (out.Accounts as Account[] | undefined)?.map(listed);

  async function underOne(parentId: string, found: Map<string, ListedAccount>, visited: Set<string>): Promise<string[]> {
    if (visited.has(parentId)) return [];
    visited.add(parentId);
    const [accounts, children] = await Promise.all([
      pages('ListAccountsForParent', (m, NextToken) => new m.ListAccountsForParentCommand({ ParentId: parentId, MaxResults: PAGE_SIZE, NextToken }), accountsOf),
      pages(
        'ListOrganizationalUnitsForParent',
        (m, NextToken) => new m.ListOrganizationalUnitsForParentCommand({ ParentId: parentId, MaxResults: PAGE_SIZE, NextToken }),
        (out) => (out.OrganizationalUnits as { Id?: string }[] | undefined)?.map((ou) => ou.Id).filter((id): id is string => Boolean(id)),
      ),
    ]);
    for (const a of accounts) found.set(a.id, a);
    return children;
  }

  return {
    async describeOrganization(): Promise<OrganizationInfo> {
      const out = await call<{ Organization?: { Id?: string; MasterAccountId?: string } }>('DescribeOrganization', (m) => new m.DescribeOrganizationCommand({}));
      if (!out.Organization?.Id) throw new AwsError('InvalidResponse', 'AWS Organizations DescribeOrganization returned no organization');
      return { id: out.Organization.Id, ...(out.Organization.MasterAccountId ? { managementAccountId: out.Organization.MasterAccountId } : {}) };
    },

    listAccounts: () => pages('ListAccounts', (m, NextToken) => new m.ListAccountsCommand({ MaxResults: PAGE_SIZE, NextToken }), accountsOf),

    async listAccountsUnder(parentIds) {
      const found = new Map<string, ListedAccount>();
      const visited = new Set<string>();
      let queue = [...new Set(parentIds)];
      // Breadth first, a few OUs at a time: parallel enough to be quick, few enough not to be throttled.
      while (queue.length) {
        const next: string[] = [];
        for (let i = 0; i < queue.length; i += opts.concurrency) {
          const children = await Promise.all(queue.slice(i, i + opts.concurrency).map((id) => underOne(id, found, visited)));
          next.push(...children.flat());
        }
        queue = next;
      }
      return [...found.values()];
    },
  };
}

function listed(a: Account): ListedAccount {
  if (!a.Id || !/^\d{12}$/.test(a.Id)) throw new AwsError('InvalidResponse', `AWS Organizations listed an account without a valid id (${String(a.Id)})`);
  const joined = a.JoinedTimestamp ? new Date(a.JoinedTimestamp).getTime() : NaN;
  return {
    id: a.Id,
    name: a.Name ?? a.Id,
    // An account without a join time sorts last: it cannot take a name from one that has one.
    joinedMs: Number.isFinite(joined) ? joined : Number.MAX_SAFE_INTEGER,
    state: String(a.State ?? a.Status ?? 'UNKNOWN'),
  };
}

/** One line a person understands, the AWS code kept, for a failed Organizations call. */
export function organizationsError(err: unknown, operation: string, endpoint: string, callTimeoutMs: number): XacctError {
  if (err instanceof XacctError) return err;
  const { e, code, text, after, network } = sdkFailure(err);
  if (code === 'TimeoutError' || code === 'AbortError') {
    return new AwsError('NetworkError', `AWS Organizations ${operation} did not answer within ${Math.round(callTimeoutMs / 1000)} s (${endpoint})`, 'check the network connection and AWS_ENDPOINT_URL_ORGANIZATIONS / AWS_ENDPOINT_URL, then run xacct sync again', err);
  }
  if (network) {
    return new AwsError('NetworkError', `cannot reach AWS Organizations at ${endpoint} (${network})${after}`, 'check the network connection and AWS_ENDPOINT_URL_ORGANIZATIONS / AWS_ENDPOINT_URL', err);
  }
  if (THROTTLING_CODES.has(code)) {
    return new AwsError(code, `AWS Organizations kept throttling ${operation} (${code})${after}`, 'another tool may be listing the organization at the same time: run xacct sync again in a minute', err);
  }
  if (code === 'AccessDeniedException' || code === 'AccessDenied') {
    return new AwsError(code, `AWS Organizations denied ${operation} to the via profile: ${text || code}`, 'the via profile needs organizations:ListAccounts (and, with include_ous, organizations:ListAccountsForParent and organizations:ListOrganizationalUnitsForParent) in the management account or a delegated administrator account', err);
  }
  if (code === 'AWSOrganizationsNotInUseException') {
    return new AwsError(code, 'the account of the via profile is not in an organization (AWSOrganizationsNotInUseException)', 'set via to a profile in the management account or a delegated administrator account', err);
  }
  if (code === 'ParentNotFoundException' || code === 'InvalidInputException') {
    return new AwsError(code, `AWS Organizations refused ${operation}: ${text || code}`, 'check include_ous in [organization]: ids look like ou-ab12-34cd56ef or r-ab12', err);
  }
  const status = e.$metadata?.httpStatusCode;
  return new AwsError(code || 'Unknown', `AWS Organizations ${operation} failed: ${[code, status && status >= 500 ? `HTTP ${status}` : '', text].filter(Boolean).join(': ')}${after}`, undefined, err);
}
