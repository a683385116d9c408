/**
 * The AWS console sign-in of a custom identity broker ("Enable custom identity broker access to the AWS console"):
 * temporary credentials → `getSigninToken` on the federation endpoint → a `login` URL that opens the console.
 * Everything built here carries a credential: the Session holds the keys, the login URL a sign-in token.
 */
import type { AwsCredentials } from './credentials.js';
import { ConfigError, XacctError } from './errors.js';
import type { Env } from './paths.js';

/** The console session a sign-in token may ask for (SessionDuration): 15 minutes to 12 hours. */
const CONSOLE_SESSION = { min: 900, max: 43_200 } as const;
/** AWS limits whatever comes from role chaining to 1 hour. */
const CHAINED_MAX = 3600;

export interface ConsoleEndpoints {
  /** `https://signin.aws.amazon.com/federation`, that of the region's partition, or `XACCT_FEDERATION_URL`. */
  readonly federationUrl: string;
  /** The console page to land on. */
  readonly destination: string;
}

const PARTITIONS = [
  { prefix: 'cn-', signin: 'signin.amazonaws.cn', console: 'console.amazonaws.cn' },
  { prefix: 'us-gov-', signin: 'signin.amazonaws-us-gov.com', console: 'console.amazonaws-us-gov.com' },
] as const;

/**
 * `XACCT_FEDERATION_URL`, checked: it receives the role session's keys in its query string, so it must be https, or
 * http on a loopback address (a test's stand-in). Anything else is a configuration error (exit 2) naming the variable.
 */
export function federationUrlFromEnv(env: Env): string | undefined {
  const value = env.XACCT_FEDERATION_URL;
  if (!value) return undefined;
  const refuse = (why: string) =>
    new ConfigError(`XACCT_FEDERATION_URL ${why}: ${JSON.stringify(value)}`, {
      hint: 'it receives the role session: give an https:// URL (http:// only on 127.0.0.1, ::1 or localhost), or unset it',
    });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('is not a URL');
  }
  if (url.username || url.password) throw refuse('must not hold a user name or password');
  if (url.search || url.hash) throw refuse('must not hold a query or fragment');
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return value;
  throw refuse(url.protocol === 'http:' ? 'is http:// to a host that is not loopback' : `must be https://, not ${url.protocol}//`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** `XACCT_FEDERATION_URL` replaces the endpoint (for tests and proxies); the destination stays AWS's. */
export function consoleEndpoints(region: string | undefined, env: Env): ConsoleEndpoints {
  const partition = region ? PARTITIONS.find((p) => region.startsWith(p.prefix)) : undefined;
  const signin = partition?.signin ?? 'signin.aws.amazon.com';
  const consoleHost = partition?.console ?? 'console.aws.amazon.com';
  const destination = region
    ? `https://${region}.${consoleHost}/console/home?region=${encodeURIComponent(region)}`
    : `https://${consoleHost}/console/home`;
  return { federationUrl: federationUrlFromEnv(env) ?? `https://${signin}/federation`, destination };
}

/**
 * SessionDuration for a role session's credentials (the only kind xacct has; GetFederationToken credentials
 * must not send it): the profile's role duration, within what the endpoint accepts, and at most 1 hour for a
 * chained role.
 */
export function consoleSessionSeconds(roleDurationSeconds: number, chained: boolean): number {
  const max = chained ? CHAINED_MAX : CONSOLE_SESSION.max;
  return Math.min(max, Math.max(CONSOLE_SESSION.min, Math.floor(roleDurationSeconds)));
}

/** The `getSigninToken` request URL. */
export function signinTokenRequestUrl(federationUrl: string, creds: AwsCredentials, sessionSeconds: number): string {
  if (!creds.sessionToken) throw new XacctError('a console sign-in needs temporary credentials (a role session)');
  const session = JSON.stringify({
    sessionId: creds.accessKeyId,
    sessionKey: creds.secretAccessKey,
    sessionToken: creds.sessionToken,
  });
  const query = new URLSearchParams({ Action: 'getSigninToken', SessionDuration: String(sessionSeconds), Session: session });
  return `${federationUrl}?${query.toString()}`;
}

/** The `{"SigninToken": "…"}` answer, or undefined when it is not one. */
export function parseSigninToken(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const token = (parsed as { SigninToken?: unknown } | null)?.SigninToken;
    return typeof token === 'string' && token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

/** The URL that signs the browser in and lands on `destination`. */
export function consoleLoginUrl(endpoints: ConsoleEndpoints, signinToken: string, issuer = 'xacct'): string {
  const query = new URLSearchParams({
    Action: 'login',
    Issuer: issuer,
    Destination: endpoints.destination,
    SigninToken: signinToken,
  });
  return `${endpoints.federationUrl}?${query.toString()}`;
}
