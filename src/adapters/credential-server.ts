import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCredentials } from '../core/credentials.js';
import { AwsError, XacctError } from '../core/errors.js';

/**
 * A loopback endpoint in the format of the ECS/EKS container credentials service, which every AWS SDK and the
 * AWS CLI read through `AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
 */
export interface CredentialServer {
  /** `http://127.0.0.1:<port>/credentials`: an IP literal, since botocore accepts only loopback IPs or `localhost`. */
  readonly url: string;
  /** The value clients send as `Authorization`. */
  readonly token: string;
  close(): Promise<void>;
}

export interface CredentialServerOptions {
  /** Told of every failed retrieval (the client only gets a code and a message). */
  readonly onError?: (err: unknown) => void;
}

/** The body the SDKs require: all four fields, strings, `Expiration` in RFC 3339. */
export interface ContainerCredentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
  readonly Expiration: string;
}

const PATH = '/credentials';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function startCredentialServer(
  getCredentials: () => Promise<AwsCredentials>,
  options: CredentialServerOptions = {},
): Promise<CredentialServer> {
  const token = randomBytes(32).toString('base64url');
  const expectedDigest = digest(token);
  const coalesced = coalesce(getCredentials);
  let port = 0;

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isLoopbackRequest(req, port) || !hasToken(req, expectedDigest)) return empty(res, 403);
    const path = (req.url ?? '').split('?')[0];
    if (path !== PATH) return empty(res, 404);
    if (req.method !== 'GET') return empty(res, 405, { Allow: 'GET' });
    try {
      json(res, 200, toContainerCredentials(await coalesced()));
    } catch (err) {
      options.onError?.(err);
      json(res, 500, errorBody(err));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${PATH}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Requests from a browser are refused whatever they carry: a page whose name was rebound to 127.0.0.1 sends its own
 * Host, and any page sends an Origin. SDKs and the AWS CLI send neither.
 */
function isLoopbackRequest(req: IncomingMessage, port: number): boolean {
  if (req.headers.origin !== undefined) return false;
  const host = req.headers.host;
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase());
  if (!m || !LOOPBACK_HOSTS.has(m[1] ?? '')) return false;
  return m[2] === undefined || Number(m[2]) === port;
}

/** Digests of equal length make the comparison constant-time whatever the length of what was sent. */
function hasToken(req: IncomingMessage, expectedDigest: Buffer): boolean {
  const sent = req.headers.authorization;
  if (typeof sent !== 'string' || sent.length === 0) return false;
  return timingSafeEqual(digest(sent), expectedDigest);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Concurrent requests share one retrieval; the next request after it settles starts a new one. */
function coalesce<T>(fn: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    if (!inFlight) {
      inFlight = fn().finally(() => {
        inFlight = undefined;
      });
    }
    return inFlight;
  };
}

function toContainerCredentials(creds: AwsCredentials): ContainerCredentials {
  if (!creds.sessionToken || !creds.expiration) {
    // Container credentials are temporary by definition; the SDKs reject a body without Token and Expiration.
    throw new XacctError('the credentials to serve are not temporary (no session token or expiry)');
  }
  return {
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: creds.expiration.toISOString(),
  };
}

/** XacctError messages never hold a secret (project rule); anything else is not shown to the client. */
function errorBody(err: unknown): { code: string; message: string } {
  if (err instanceof AwsError) return { code: err.code, message: err.message };
  if (err instanceof XacctError) return { code: 'CredentialsUnavailable', message: err.message };
  return { code: 'InternalError', message: 'xacct could not get credentials; see its messages on stderr' };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function empty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}
