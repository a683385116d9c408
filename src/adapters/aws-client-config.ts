/** What every AWS SDK client of xacct is configured with, so that the SDK reads nothing from process.env or ~/.aws. */
import { createRequire } from 'node:module';
import type { AwsCredentials } from '../core/credentials.js';
import { environmentProblems } from '../core/environment.js';
import { ConfigError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import { shareAwsFilesWithSdk } from './config-files/aws-files-for-sdk.js';

export interface ClientLimits {
  /** Attempts per call, the first included (standard retry: throttling, 5xx and network errors, with backoff). */
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  /** Per attempt: no answer within this time fails the attempt. */
  readonly requestTimeoutMs: number;
}

/**
 * Explicit credentials (the default chain never runs), our user agent, standard retries and time limits. The
 * client's own reads of the AWS files (settings such as use_fips_endpoint) get the text xacct read.
 */
export function clientConfig(creds: AwsCredentials, limits: ClientLimits) {
  shareAwsFilesWithSdk();
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

/**
 * The endpoint a service's calls go to when the environment sets one: `AWS_ENDPOINT_URL_<SERVICE>`, else
 * `AWS_ENDPOINT_URL`, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. A value that is not an http(s) URL is a
 * ConfigError naming the variable.
 */
export function configuredEndpoint(env: Env, serviceVariable: `AWS_ENDPOINT_URL_${string}`, example: string): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return undefined;
  for (const name of [serviceVariable, 'AWS_ENDPOINT_URL'] as const) {
    const value = env[name]?.trim();
    if (!value) continue;
    // The one rule of every endpoint variable (core/environment.ts), with this service's example in the hint.
    const [problem] = environmentProblems({ [name]: value }, [name]);
    if (problem) throw new ConfigError(problem.error.message, { hint: `set ${name} to a URL such as ${example}, or unset it` });
    return value;
  }
  return undefined;
}

/**
 * A loader of an AWS SDK client package, loaded on first use with require(): importing the CommonJS bundle from
 * ESM makes Node scan its source for export names.
 */
export function sdkLoader<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(import.meta.url)(name) as T);
}
