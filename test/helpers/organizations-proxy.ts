/**
 * A checking proxy in front of moto's AWS Organizations (JSON protocol), in the test process; the CLI reaches it
 * through `AWS_ENDPOINT_URL_ORGANIZATIONS`. It records every call (which key signed it, what it asked), refuses
 * what AWS refuses and moto lets through (unsigned requests, MaxResults above 20), injects faults such as
 * TooManyRequestsException on request, and forwards everything else to moto.
 *
 * Also: the calls that build an organization in moto (createOrganization, createAccounts…), sent to moto directly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultQueue, forwardRequest, listenOnLoopback } from './sts-proxy.js';

const TARGET_PREFIX = 'AWSOrganizationsV20161128.';

export interface OrgErrorSpec {
  status: number;
  type: string;
  message: string;
}

const FAULTS = {
  TooManyRequestsException: {
    status: 400,
    type: 'TooManyRequestsException',
    message: 'You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.',
  },
  ServiceException: { status: 500, type: 'ServiceException', message: 'AWS Organizations can\u2019t complete your request because of an internal service error. Try again later.' },
  AccessDeniedException: { status: 400, type: 'AccessDeniedException', message: 'You don\u2019t have permissions to access this resource.' },
} satisfies Record<string, OrgErrorSpec>;

export interface OrgFault {
  error?: keyof typeof FAULTS | OrgErrorSpec;
  /** Wait this long before answering (or before the error). */
  delayMs?: number;
  /** For how many of the next matching calls (default 1). */
  times?: number;
  /** Only calls of this operation (default: any). */
  action?: string;
}

export interface OrgCall {
  at: number;
  /** ListAccounts, ListAccountsForParent… */
  action: string;
  params: Record<string, unknown>;
  /** From the SigV4 credential scope. */
  accessKeyId?: string;
  service?: string;
  hasSessionToken: boolean;
  status: number;
  errorType?: string;
  fault?: string;
}

/**
 * How a listing of `action` pages, as a broken endpoint may: `repeat`, every page names the same NextToken (the
 * second page names the one the first did); `endless`, every page names a new one, for ever. A page asked for with
 * such a token is the first page again. Until reset().
 */
export interface OrgPaging {
  action: string;
  mode: 'repeat' | 'endless';
}

export interface OrganizationsProxy {
  readonly url: string;
  readonly calls: OrgCall[];
  count(action?: string): number;
  inject(fault: OrgFault): void;
  /** Makes listings of one operation page as a broken endpoint does (see OrgPaging). */
  page(paging: OrgPaging | undefined): void;
  reset(): void;
  stop(): Promise<void>;
}

const PAGED = new Set(['ListAccounts', 'ListAccountsForParent', 'ListOrganizationalUnitsForParent', 'ListChildren', 'ListRoots']);

export async function startOrganizationsProxy(target: string | { url: string }): Promise<OrganizationsProxy> {
  const upstream = new URL(typeof target === 'string' ? target : target.url);
  const calls: OrgCall[] = [];
  const faults = new FaultQueue<OrgFault>();
  let paging: OrgPaging | undefined;
  let tokensMade = 0;

  function answer(res: ServerResponse, call: OrgCall, status: number, body: string, headers: Record<string, string> = {}) {
    call.status = status;
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function answerError(res: ServerResponse, call: OrgCall, e: OrgErrorSpec) {
    call.errorType = e.type;
    answer(res, call, e.status, JSON.stringify({ __type: e.type, Message: e.message }), { 'x-amzn-errortype': e.type });
  }

  /** What AWS refuses that moto accepts. */
  function check(call: OrgCall, authorization: string): OrgErrorSpec | undefined {
    if (!/^AWS4-HMAC-SHA256 Credential=/.test(authorization) || call.service !== 'organizations') {
      return { status: 400, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    }
    const max = call.params.MaxResults;
    if (PAGED.has(call.action) && max !== undefined && (typeof max !== 'number' || max < 1 || max > 20)) {
      return { status: 400, type: 'InvalidInputException', message: `You provided a value that does not match the required pattern. (MaxResults ${String(max)}: 1 to 20)` };
    }
    return undefined;
  }



  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const authorization = req.headers.authorization ?? '';
    const scope = /Credential=([^/,\s]+)\/[^/]+\/([^/]+)\/([^/]+)\//.exec(authorization);
    let params: Record<string, unknown> = {};
    try {
      params = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      /* moto answers what it answers */
    }
    const targetHeader = String(req.headers['x-amz-target'] ?? '');
    const call: OrgCall = {
      at: Date.now(),
      action: targetHeader.startsWith(TARGET_PREFIX) ? targetHeader.slice(TARGET_PREFIX.length) : targetHeader,
      params,
      ...(scope ? { accessKeyId: scope[1], service: scope[3] } : {}),
      hasSessionToken: req.headers['x-amz-security-token'] !== undefined,
      status: 0,
    };
    calls.push(call);

    const fault = await faults.take(call.action);
    if (fault) {
      if (fault.error) {
        const e = typeof fault.error === 'string' ? FAULTS[fault.error] : fault.error;
        call.fault = e.type;
        return answerError(res, call, e);
      }
    }
    const refusal = check(call, authorization);
    if (refusal) return answerError(res, call, refusal);
    const paged = paging?.action === call.action ? paging : undefined;
    let sent = body;
    if (paged && typeof params.NextToken === 'string' && params.NextToken.startsWith('proxy-page')) {
      const { NextToken: _made, ...rest } = params;
      sent = Buffer.from(JSON.stringify(rest));
      req.headers['content-length'] = String(sent.length);
    }
    const reply = await forwardRequest(upstream, req, sent);
    if (reply.status >= 400) call.errorType = /"__type"\s*:\s*"([^"]+)"/.exec(reply.body)?.[1];
    let text = reply.body;
    if (paged && reply.status === 200) {
      const out = JSON.parse(text) as Record<string, unknown>;
      out.NextToken = paged.mode === 'repeat' ? 'proxy-page' : `proxy-page-${++tokensMade}`;
      text = JSON.stringify(out);
    }
    answer(res, call, reply.status, text, reply.headers);
  }

  const { server, port } = await listenOnLoopback('organizations-proxy', handle);
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (action) => calls.filter((c) => action === undefined || c.action === action).length,
    inject(fault) {
      faults.push(fault);
    },
    page(p) {
      paging = p;
    },
    reset() {
      calls.length = 0;
      faults.clear();
      paging = undefined;
    },
    stop() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** One Organizations call to moto itself, as moto's default account (123456789012, the management account). */
export async function motoOrganizations<T = Record<string, unknown>>(url: string, action: string, params: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `${TARGET_PREFIX}${action}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/organizations/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`organizations:${action}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface TestOrganization {
  readonly id: string;
  readonly rootId: string;
  readonly managementAccountId: string;
}

export async function createOrganization(url: string): Promise<TestOrganization> {
  const org = await motoOrganizations<{ Organization: { Id: string; MasterAccountId: string } }>(url, 'CreateOrganization', { FeatureSet: 'ALL' });
  const roots = await motoOrganizations<{ Roots: { Id: string }[] }>(url, 'ListRoots');
  return { id: org.Organization.Id, rootId: roots.Roots[0]!.Id, managementAccountId: org.Organization.MasterAccountId };
}

/**
 * Creates the accounts in the order of `names`, `concurrency` at a time (moto takes ~5 ms each), so that they join
 * in about that order: two far apart in `names` join in that order. Returns their ids, in the order of `names`.
 */
export async function createAccounts(url: string, names: readonly string[], options: { concurrency?: number } = {}): Promise<string[]> {
  const ids: string[] = new Array<string>(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const out = await motoOrganizations<{ CreateAccountStatus: { AccountId: string } }>(url, 'CreateAccount', { AccountName: names[i], Email: `a${i}-${Date.now()}@example.com` });
      ids[i] = out.CreateAccountStatus.AccountId;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
  return ids;
}

export async function createOu(url: string, parentId: string, name: string): Promise<string> {
  const out = await motoOrganizations<{ OrganizationalUnit: { Id: string } }>(url, 'CreateOrganizationalUnit', { ParentId: parentId, Name: name });
  return out.OrganizationalUnit.Id;
}

export async function moveAccount(url: string, accountId: string, from: string, to: string): Promise<void> {
  await motoOrganizations(url, 'MoveAccount', { AccountId: accountId, SourceParentId: from, DestinationParentId: to });
}

export async function closeAccount(url: string, accountId: string): Promise<void> {
  await motoOrganizations(url, 'CloseAccount', { AccountId: accountId });
}
