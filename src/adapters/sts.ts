/**
 * StsPort over @aws-sdk/client-sts. The SDK is imported on the first call, so a cache hit never loads it.
 * Everything the SDK would otherwise read from process.env or ~/.aws/config (region, endpoint, retries, FIPS)
 * is passed explicitly from the `env` given, and credentials are always explicit: the default chain never runs.
 */
import { createRequire } from 'node:module';
import type * as StsSdk from '@aws-sdk/client-sts';
import type { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { checkKeyShape, type AwsCredentials } from '../core/credentials.js';
import { environmentProblems } from '../core/environment.js';
import { AwsError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import type { AssumedRole, AssumeRoleInput, CallerIdentity, GetSessionTokenInput, StsPort } from '../core/ports.js';
import { clientConfig } from './aws-client-config.js';
import { clockSkewError, MAX_CLOCK_SKEW_SECONDS, toAwsError, type StsCallContext, type StsOperation } from './sts-errors.js';

export interface StsOptions {
  /** Attempts per call, the first included (standard retry: throttling, 5xx and network errors, with backoff). */
  readonly maxAttempts?: number;
  readonly connectionTimeoutMs?: number;
  /** Per attempt: no answer within this time fails the attempt. */
  readonly requestTimeoutMs?: number;
  /** Per call, all attempts included. */
  readonly totalTimeoutMs?: number;
}

/** GetCallerIdentity's answer plus STS's clock (the `Date` response header), for a clock-skew check. */
export interface CallerIdentityWithTime extends CallerIdentity {
  readonly serverTime?: Date;
  /** Our clock when STS's answer came (timed around the request itself: SDK loading and signing excluded). */
  readonly answeredAt?: Date;
}

export interface Sts extends StsPort {
  getCallerIdentity(creds: AwsCredentials, region?: string): Promise<CallerIdentityWithTime>;
  /** The endpoint a call in `region` goes to, for messages and `xacct doctor`. */
  endpointFor(region?: string): string;
  /** Loads the SDK now (while the caller waits for something else, an MFA code say); a failure shows at the call. */
  preload(): void;
}

const DEFAULTS = { maxAttempts: 4, connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, totalTimeoutMs: 30_000 };

type StsModule = typeof StsSdk;
let sdkModule: Promise<StsModule> | undefined;
function loadSdk(): Promise<StsModule> {
  // require(), not import(): importing this CommonJS bundle from ESM makes Node scan its source for export names
  // (~45 ms of every cold credential-process).
  sdkModule ??= Promise.resolve().then(() => createRequire(import.meta.url)('@aws-sdk/client-sts') as StsModule);
  return sdkModule;
}

/** Region of an STS call: the argument, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
export function stsRegion(env: Env, region?: string): string {
  return region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
}

/** AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. */
function configuredStsEndpoint(env: Env): string | undefined {
  if (isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) return undefined;
  return env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || undefined;
}

// Regions that `AWS_STS_REGIONAL_ENDPOINTS=legacy` sends to the global endpoint (as the SDK's rule set does).
const LEGACY_GLOBAL_REGIONS = new Set([
  'ap-northeast-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'aws-global', 'ca-central-1', 'eu-central-1',
  'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
]);

export function createSts(env: Env, options: StsOptions = {}): Sts {
  const opts = { ...DEFAULTS, ...options };
  const clients = new Map<string, STSClient>();
  const customEndpoint = configuredStsEndpoint(env);
  // A malformed endpoint variable fails every call as the configuration error it is (exit 2, naming it), not as
  // the SDK's "TypeError: Invalid URL".
  const endpointError = customEndpoint ? environmentProblems(env, ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'])[0]?.error : undefined;
  const useGlobalEndpoint = env.AWS_STS_REGIONAL_ENDPOINTS?.trim().toLowerCase() === 'legacy';
  const useFipsEndpoint = isTrue(env.AWS_USE_FIPS_ENDPOINT);
  const useDualstackEndpoint = isTrue(env.AWS_USE_DUALSTACK_ENDPOINT);

  function endpointFor(region?: string): string {
    if (customEndpoint) return customEndpoint;
    const r = stsRegion(env, region);
    if (useGlobalEndpoint && LEGACY_GLOBAL_REGIONS.has(r)) return 'https://sts.amazonaws.com';
    const suffix = r.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return `https://sts${useFipsEndpoint ? '-fips' : ''}.${r}.${suffix}`;
  }

  function clientFor(sdk: StsModule, creds: AwsCredentials, region: string): STSClient {
    const key = JSON.stringify([region, creds.accessKeyId, creds.secretAccessKey, creds.sessionToken ?? '']);
    let client = clients.get(key);
    if (!client) {
      client = new sdk.STSClient({
        region,
        ...(customEndpoint ? { endpoint: customEndpoint } : {}),
        useGlobalEndpoint,
        useFipsEndpoint,
        useDualstackEndpoint,
        ...clientConfig(creds, opts),
      });
      clients.set(key, client);
    }
    return client;
  }

  /** Sends one command; records where it went and STS's Date header; maps failures to AwsError. */
  async function send<Out>(
    operation: StsOperation,
    creds: AwsCredentials,
    regionArg: string | undefined,
    makeCommand: (sdk: StsModule) => StsCommand,
    ctxExtra: Partial<StsCallContext> = {},
  ): Promise<{ output: Out; serverTime?: Date; answeredAt?: Date }> {
    if (endpointError) throw endpointError;
    const region = stsRegion(env, regionArg);
    const seen: Seen = {};
    // A key with a control character or a space fails signing only after the SDK's retries: say so at once.
    checkKeyShape(creds, `the keys given to STS ${operation}`);
    try {
      const sdk = await loadSdk();
      const client = clientFor(sdk, creds, region);
      // Our three commands as a union match none of send's overloads; any one alone does.
      const command = makeCommand(sdk) as GetCallerIdentityCommand;
      command.middlewareStack.add(observe(seen) as never, { step: 'finalizeRequest', name: 'xacctObserve' });
      const output = (await client.send(command, {
        abortSignal: AbortSignal.timeout(opts.totalTimeoutMs),
      })) as Out;
      const serverTime = parseDate(seen.date);
      return { output, ...(serverTime ? { serverTime } : {}), ...(seen.received ? { answeredAt: seen.received } : {}) };
    } catch (err) {
      const skew = skewSeconds(parseDate(seen.date ?? dateHeaderOf(err)));
      const ctx: StsCallContext = { operation, region, endpoint: seen.url ?? endpointFor(region), sessionCredentials: Boolean(creds.sessionToken), ...ctxExtra };
      throw toAwsError(err, skew === undefined ? ctx : { ...ctx, clockSkewSeconds: skew });
    }
  }

  /** The session, unless our clock is too far from STS's for its expiry to be judged right (see clockSkewError). */
  function checkClock(operation: StsOperation, credentials: AwsCredentials, serverTime: Date | undefined): AwsCredentials {
    const skew = skewSeconds(serverTime);
    const expired = credentials.expiration !== undefined && credentials.expiration.getTime() <= Date.now();
    if ((skew !== undefined && Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS) || expired) {
      throw clockSkewError(operation, skew, credentials.expiration ?? new Date(0));
    }
    return credentials;
  }

  return {
    endpointFor,
    preload: () => void loadSdk().catch(() => undefined),

    async getSessionToken(creds, input: GetSessionTokenInput, region) {
      const { output, serverTime } = await send<{ Credentials?: SdkCredentials }>(
        'GetSessionToken',
        creds,
        region,
        (sdk) =>
          new sdk.GetSessionTokenCommand({
            DurationSeconds: input.durationSeconds,
            ...(input.serialNumber ? { SerialNumber: input.serialNumber } : {}),
            ...(input.tokenCode ? { TokenCode: input.tokenCode } : {}),
          }),
        { serialNumber: input.serialNumber, durationSeconds: input.durationSeconds },
      );
      return checkClock('GetSessionToken', fromSdkCredentials(output.Credentials, 'GetSessionToken'), serverTime);
    },

    async assumeRole(creds, input: AssumeRoleInput, region): Promise<AssumedRole> {
      const tags = Object.entries(input.tags ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([Key, Value]) => ({ Key, Value }));
      const { output, serverTime } = await send<{ Credentials?: SdkCredentials; AssumedRoleUser?: { Arn?: string } }>(
        'AssumeRole',
        creds,
        region,
        (sdk) =>
          new sdk.AssumeRoleCommand({
            RoleArn: input.roleArn,
            RoleSessionName: input.roleSessionName,
            DurationSeconds: input.durationSeconds,
            ...(input.externalId ? { ExternalId: input.externalId } : {}),
            ...(input.serialNumber ? { SerialNumber: input.serialNumber } : {}),
            ...(input.tokenCode ? { TokenCode: input.tokenCode } : {}),
            ...(input.sourceIdentity ? { SourceIdentity: input.sourceIdentity } : {}),
            ...(tags.length ? { Tags: tags } : {}),
          }),
        { roleArn: input.roleArn, serialNumber: input.serialNumber, durationSeconds: input.durationSeconds },
      );
      const assumedRoleArn = output.AssumedRoleUser?.Arn;
      const credentials = checkClock('AssumeRole', fromSdkCredentials(output.Credentials, 'AssumeRole'), serverTime);
      return { ...credentials, ...(assumedRoleArn ? { assumedRoleArn } : {}) };
    },

    async getCallerIdentity(creds, region) {
      const { output, serverTime, answeredAt } = await send<{ Account?: string; Arn?: string; UserId?: string }>(
        'GetCallerIdentity',
        creds,
        region,
        (sdk) => new sdk.GetCallerIdentityCommand({}),
      );
      if (!output.Account || !output.Arn) {
        throw new AwsError('InvalidResponse', 'STS GetCallerIdentity returned no identity');
      }
      return {
        account: output.Account,
        arn: output.Arn,
        userId: output.UserId ?? '',
        ...(serverTime ? { serverTime } : {}),
        ...(answeredAt ? { answeredAt } : {}),
      };
    },
  };
}

interface SdkCredentials {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  SessionToken?: string;
  Expiration?: Date;
}

function fromSdkCredentials(c: SdkCredentials | undefined, operation: StsOperation): AwsCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new AwsError('InvalidResponse', `STS ${operation} returned no credentials`);
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: new Date(c.Expiration),
  };
}

type StsCommand = GetSessionTokenCommand | AssumeRoleCommand | GetCallerIdentityCommand;

interface HttpRequestLike {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
}
interface HttpResponseLike {
  headers?: Record<string, string | undefined>;
}

/** Middleware that records the URL each attempt goes to and the Date header of the answer. */
interface Seen {
  url?: string;
  date?: string;
  received?: Date;
}

function observe(seen: Seen) {
  return (next: (args: { request: unknown }) => Promise<{ response: unknown }>) =>
    async (args: { request: unknown }) => {
      const req = args.request as HttpRequestLike;
      if (req.hostname) {
        seen.url = `${req.protocol ?? 'https:'}//${req.hostname}${req.port ? `:${req.port}` : ''}${req.path && req.path !== '/' ? req.path : ''}`;
      }
      const result = await next(args);
      seen.received = new Date();
      const headers = (result.response as HttpResponseLike | undefined)?.headers;
      seen.date = headers?.date ?? headers?.Date ?? seen.date;
      return result;
    };
}

function parseDate(text: string | undefined): Date | undefined {
  const date = text ? new Date(text) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** STS's clock minus ours, in seconds; undefined without STS's time. */
function skewSeconds(serverTime: Date | undefined): number | undefined {
  return serverTime ? (serverTime.getTime() - Date.now()) / 1000 : undefined;
}

/** The `Date` header of the answer an SDK error came from (the SDK keeps it as `$response`). */
function dateHeaderOf(err: unknown): string | undefined {
  const headers = (err as { $response?: HttpResponseLike } | null)?.$response?.headers;
  return headers?.date ?? headers?.Date;
}

function isTrue(v: string | undefined): boolean {
  return v?.trim().toLowerCase() === 'true';
}
