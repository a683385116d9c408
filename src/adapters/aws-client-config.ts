/** What every AWS SDK client of xacct is configured with, so that the SDK reads nothing from process.env or ~/.aws. */
import type { AwsCredentials } from '../core/credentials.js';

export interface ClientLimits {
  /** Attempts per call, the first included (standard retry: throttling, 5xx and network errors, with backoff). */
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  /** Per attempt: no answer within this time fails the attempt. */
  readonly requestTimeoutMs: number;
}

/** Explicit credentials (the default chain never runs), our user agent, standard retries and time limits. */
export function clientConfig(creds: AwsCredentials, limits: ClientLimits) {
  return {
    // Our env decides; the SDK would read process.env and the shared config files instead.
    ignoreConfiguredEndpointUrls: true,
    credentials: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    },
    authSchemePreference: [],
    userAgentAppId: 'xacct',
    maxAttempts: limits.maxAttempts,
    retryMode: 'standard',
    // Options object: the SDK builds its NodeHttpHandler from it, so we need not import that package.
    requestHandler: {
      connectionTimeout: limits.connectionTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}
