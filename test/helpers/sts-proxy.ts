/**
 * A checking proxy in front of moto's STS, in the test process (the CLI runs as child processes and reaches it
 * through `AWS_ENDPOINT_URL_STS`). It records every call, answers as real STS does where moto is lenient
 * (wrong MFA codes, durations out of range, bad session names), injects faults on request, and forwards
 * everything else to moto.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIamChecks, type IamChecks } from './iam-checks.js';
import { xmlValue } from './moto.js';

/** The MFA code the proxy accepts unless told otherwise (`proxy.validCodes`). */
export const VALID_MFA_CODE = '123456';

export interface StsErrorSpec {
  status: number;
  code: string;
  message: string;
  type?: 'Sender' | 'Receiver';
}

const FAULTS = {
  Throttling: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  InternalFailure: {
    status: 500,
    code: 'InternalFailure',
    message: 'The request processing has failed because of an unknown error, exception or failure.',
    type: 'Receiver',
  },
  ServiceUnavailable: { status: 503, code: 'ServiceUnavailable', message: 'Service is unavailable.', type: 'Receiver' },
  ExpiredToken: { status: 400, code: 'ExpiredToken', message: 'The security token included in the request is expired' },
  InvalidClientTokenId: { status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' },
  AccessDenied: { status: 403, code: 'AccessDenied', message: 'User is not authorized to perform: sts:AssumeRole' },
} satisfies Record<string, StsErrorSpec>;

/** A named STS error, or `ConnectionReset`: the proxy drops the connection without an answer. */
export type FaultName = keyof typeof FAULTS | 'ConnectionReset';

export interface Fault {
  /** The error to answer with; without one the call is only delayed, then handled as usual. */
  error?: FaultName | StsErrorSpec;
  /** Wait this long before answering. */
  delayMs?: number;
  /** For how many of the next matching calls (default 1). */
  times?: number;
  /** Only calls of this Action (default: any). */
  action?: string;
}

export type SignedWith = 'mfa-session' | 'role-session' | 'other';

export interface StsCall {
  /** Date.now() when the request arrived. */
  at: number;
  action: string;
  /** Every form field of the request, as sent. */
  params: Record<string, string>;
  durationSeconds?: number;
  serialNumber?: string;
  tokenCode?: string;
  roleArn?: string;
  roleSessionName?: string;
  externalId?: string;
  sourceIdentity?: string;
  /** Tags.member.N.Key/Value as an object. */
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  /** From the SigV4 credential scope. */
  service?: string;
  region?: string;
  accessKeyId?: string;
  hasSessionToken: boolean;
  /** Which credentials signed it: ones this proxy handed out by GetSessionToken or AssumeRole, or others. */
  signedWith: SignedWith;
  /** HTTP status answered (0 while in flight, -1 for a dropped connection). */
  status: number;
  errorCode?: string;
  /** Set when an injected fault answered this call. */
  fault?: string;
  /** The credentials answered, for GetSessionToken and AssumeRole. */
  issued?: { accessKeyId: string; expiration: string };
}

export interface StsProxy {
  readonly url: string;
  readonly calls: StsCall[];
  /** Number of calls (of one Action), refused ones included: filter `calls` on `status` for the successful ones. */
  count(action?: string): number;
  /** MFA codes accepted (default just VALID_MFA_CODE); 'any' accepts every well-formed code. */
  validCodes: Set<string> | 'any';
  /** Refuse a code already used for the same MFA device, as AWS does. Default false. */
  singleUseCodes: boolean;
  /** The shortest DurationSeconds accepted (900 as in AWS; lower it to test short sessions, moto honours them). */
  minDurationSeconds: number;
  /**
   * STS's clock is this many seconds ahead of the machine's (negative: behind): every answer's `Date` header, and
   * the Expiration of the credentials it hands out, are shifted by it. Default 0; reset() keeps it.
   */
  dateOffsetSeconds: number;
  /** Queues a fault for the next matching call(s). */
  inject(fault: Fault): void;
  /** The checks of IAM's side (see iam-checks.ts): known keys only, a new key's delay, EnableMFADevice's codes, holds. */
  readonly iam: IamChecks;
  /** Forgets calls, queued faults, used codes and IAM's holds (keeps validCodes, minDurationSeconds, dateOffsetSeconds and the IAM switches). */
  reset(): void;
  stop(): Promise<void>;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The error document of STS (the same shape moto and AWS answer). */
export function stsErrorXml(e: StsErrorSpec, requestId: string = randomUUID()): string {
  return (
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${e.type ?? 'Sender'}</Type>` +
    `<Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

const validation = (message: string): StsErrorSpec => ({ status: 400, code: 'ValidationError', message });
const mfaDenied = (message: string): StsErrorSpec => ({ status: 403, code: 'AccessDenied', message });

const NAME_PATTERN = /^[\w+=,.@-]*$/;
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]*$/;

function parseCall(params: Record<string, string>, authorization: string, hasSessionToken: boolean): StsCall {
  const scope = /Credential=([^/,\s]+)\/[^/]+\/([^/]+)\/([^/]+)\//.exec(authorization);
  const tags: Record<string, string> = {};
  const transitiveTagKeys: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    const tag = /^Tags\.member\.(\d+)\.Key$/.exec(k);
    if (tag) tags[v] = params[`Tags.member.${tag[1]}.Value`] ?? '';
    if (/^TransitiveTagKeys\.member\.\d+$/.test(k)) transitiveTagKeys.push(v);
  }
  const duration = params.DurationSeconds;
  return {
    at: Date.now(),
    action: params.Action ?? '',
    params,
    ...(duration !== undefined ? { durationSeconds: Number(duration) } : {}),
    ...(params.SerialNumber !== undefined ? { serialNumber: params.SerialNumber } : {}),
    ...(params.TokenCode !== undefined ? { tokenCode: params.TokenCode } : {}),
    ...(params.RoleArn !== undefined ? { roleArn: params.RoleArn } : {}),
    ...(params.RoleSessionName !== undefined ? { roleSessionName: params.RoleSessionName } : {}),
    ...(params.ExternalId !== undefined ? { externalId: params.ExternalId } : {}),
    ...(params.SourceIdentity !== undefined ? { sourceIdentity: params.SourceIdentity } : {}),
    tags,
    transitiveTagKeys,
    ...(scope ? { accessKeyId: scope[1], region: scope[2], service: scope[3] } : {}),
    hasSessionToken,
    signedWith: 'other',
    status: 0,
  };
}

/** Faults queued for the next matching calls of a proxy, each for `times` calls (default 1). */
export class FaultQueue<F extends { readonly times?: number; readonly action?: string; readonly delayMs?: number }> {
  private queued: { fault: F; left: number }[] = [];

  push(fault: F): void {
    this.queued.push({ fault, left: fault.times ?? 1 });
  }

  /** The next fault for a call of `action` (used up by it), after its delay; undefined when none is queued. */
  async take(action: string): Promise<F | undefined> {
    const next = this.queued.find((q) => q.left > 0 && (!q.fault.action || q.fault.action === action));
    if (!next) return undefined;
    next.left--;
    this.queued = this.queued.filter((q) => q.left > 0);
    if (next.fault.delayMs) await new Promise((r) => setTimeout(r, next.fault.delayMs));
    return next.fault;
  }

  clear(): void {
    this.queued = [];
  }
}

/** An HTTP server on a free loopback port whose handler's failures answer 502 naming `label`. */
export async function listenOnLoopback(label: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${label}: ${err.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends a request on to the server behind a proxy and collects its answer (hop-by-hop headers dropped). */
export function forwardRequest(upstream: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host };
    const r = httpRequest(new URL(req.url ?? '/', upstream), { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = String(v);
        }
        resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(body);
  });
}
export async function startStsProxy(target: string | { url: string }): Promise<StsProxy> {
  const upstream = new URL(typeof target === 'string' ? target : target.url);
  const calls: StsCall[] = [];
  const faults = new FaultQueue<Fault>();
  /** AccessKeyIds this proxy answered, and what kind of session they belong to. */
  const issuedKeys = new Map<string, SignedWith>();
  let usedCodes = new Set<string>();
  const iam = createIamChecks(upstream.origin);

  /** What real STS would refuse that moto lets through; undefined when the call may go on. */
  function check(call: StsCall): StsErrorSpec | undefined {
    const { action, durationSeconds: d } = call;
    if (action !== 'GetSessionToken' && action !== 'AssumeRole') return undefined;
    if (d !== undefined) {
      const max = action === 'GetSessionToken' ? 129600 : 43200;
      if (!Number.isInteger(d) || d < proxy.minDurationSeconds) {
        return validation(`1 validation error detected: Value '${call.params.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${proxy.minDurationSeconds}`);
      }
      if (d > max) {
        return validation(`1 validation error detected: Value '${d}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
      }
      if (action === 'AssumeRole' && call.signedWith !== 'other' && d > 3600) {
        return validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
      }
    }
    if (action === 'AssumeRole') {
      for (const [field, value, min, max, pattern] of [
        ['roleSessionName', call.roleSessionName, 2, 64, NAME_PATTERN],
        ['sourceIdentity', call.sourceIdentity, 2, 64, NAME_PATTERN],
        ['externalId', call.externalId, 2, 1224, EXTERNAL_ID_PATTERN],
      ] as const) {
        if (value === undefined) {
          if (field === 'roleSessionName') return validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
          continue;
        }
        if (value.length < min || value.length > max) {
          return validation(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have length between ${min} and ${max}`);
        }
        if (!pattern.test(value)) {
          return validation(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`);
        }
      }
    }
    const { serialNumber, tokenCode } = call;
    if (serialNumber === undefined && tokenCode === undefined) return undefined;
    if (serialNumber === undefined || tokenCode === undefined) {
      return mfaDenied('MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.');
    }
    if (!/^\d{6}$/.test(tokenCode)) {
      return validation("1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]{6}");
    }
    const used = `${serialNumber} ${tokenCode}`;
    const enrolled = iam.codeFits(serialNumber, tokenCode);
    if (enrolled === false) return mfaDenied('MultiFactorAuthentication failed with invalid MFA one time pass code.');
    if (enrolled) return undefined;
    if ((proxy.validCodes !== 'any' && !proxy.validCodes.has(tokenCode)) || (proxy.singleUseCodes && usedCodes.has(used))) {
      return mfaDenied('MultiFactorAuthentication failed with invalid MFA one time pass code.');
    }
    usedCodes.add(used);
    return undefined;
  }

  function answer(res: ServerResponse, call: StsCall, status: number, body: string, headers: Record<string, string> = {}) {
    call.status = status;
    const date = new Date(Date.now() + proxy.dateOffsetSeconds * 1000).toUTCString();
    res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), ...headers, date });
    res.end(body);
  }

  function answerError(res: ServerResponse, call: StsCall, e: StsErrorSpec) {
    call.errorCode = e.code;
    const requestId = randomUUID();
    answer(res, call, e.status, stsErrorXml(e, requestId), { 'x-amzn-requestid': requestId });
  }

  const forward = (req: IncomingMessage, body: Buffer) => forwardRequest(upstream, req, body);


  /** moto answers GetSessionToken with one fixed key; AWS hands out a new one each time, and so does the proxy. */
  function distinctSessionCredentials(xml: string): string {
    const key = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    return xml
      .replace(/<AccessKeyId>[^<]*<\/AccessKeyId>/, `<AccessKeyId>${key}</AccessKeyId>`)
      .replace(/<SecretAccessKey>[^<]*<\/SecretAccessKey>/, `<SecretAccessKey>${randomBytes(30).toString('base64')}</SecretAccessKey>`)
      .replace(/<SessionToken>[^<]*<\/SessionToken>/, `<SessionToken>${randomBytes(96).toString('base64')}</SessionToken>`);
  }

  /** The Expiration STS would compute with its own clock. */
  function shiftExpiration(xml: string, seconds: number): string {
    return xml.replace(/<Expiration>([^<]*)<\/Expiration>/, (_, at: string) => `<Expiration>${new Date(Date.parse(at) + seconds * 1000).toISOString()}</Expiration>`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const params = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
    if (/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    const call = parseCall(params, req.headers.authorization ?? '', req.headers['x-amz-security-token'] !== undefined);
    call.signedWith = (call.accessKeyId && issuedKeys.get(call.accessKeyId)) || 'other';
    calls.push(call);

    const fault = await faults.take(call.action);
    if (fault) {
      if (fault.error === 'ConnectionReset') {
        call.fault = 'ConnectionReset';
        call.status = -1;
        req.socket.destroy();
        return;
      }
      if (fault.error) {
        const e = typeof fault.error === 'string' ? FAULTS[fault.error] : fault.error;
        call.fault = e.code;
        return answerError(res, call, e);
      }
    }

    const refusal = (await iam.refuseKey(call)) ?? check(call) ?? iam.refuseCodes(call);
    if (refusal) return answerError(res, call, refusal);

    await iam.waitAt(call, 'before');
    if (req.socket.destroyed) return void (call.status = -1);
    const sent = iam.requestBody(call, body);
    if (sent !== body) req.headers['content-length'] = String(sent.length);
    const reply = await forward(req, sent);
    let text = reply.status === 200 ? iam.observe(call, reply.body) : reply.body;
    await iam.waitAt(call, 'after');
    if (req.socket.destroyed) return void (call.status = -1);
    if (reply.status === 200 && (call.action === 'GetSessionToken' || call.action === 'AssumeRole')) {
      if (call.action === 'GetSessionToken') text = distinctSessionCredentials(text);
      if (proxy.dateOffsetSeconds) text = shiftExpiration(text, proxy.dateOffsetSeconds);
      const accessKeyId = xmlValue(text, 'AccessKeyId')!;
      issuedKeys.set(accessKeyId, call.action === 'GetSessionToken' ? 'mfa-session' : 'role-session');
      call.issued = { accessKeyId, expiration: xmlValue(text, 'Expiration')! };
    }
    if (reply.status >= 400) call.errorCode = xmlValue(text, 'Code');
    answer(res, call, reply.status, text, reply.headers);
  }

  const { server, port } = await listenOnLoopback('sts-proxy', handle);

  const proxy: StsProxy = {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (action) => calls.filter((c) => action === undefined || c.action === action).length,
    validCodes: new Set([VALID_MFA_CODE]),
    singleUseCodes: false,
    minDurationSeconds: 900,
    dateOffsetSeconds: 0,
    inject(fault) {
      faults.push(fault);
    },
    iam,
    reset() {
      iam.reset();
      calls.length = 0;
      faults.clear();
      usedCodes = new Set();
    },
    stop() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return proxy;
}
