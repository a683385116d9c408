/**
 * IamPort over @aws-sdk/client-iam, loaded on the first call. As for STS, everything the SDK would read from
 * process.env or ~/.aws/config is passed explicitly, credentials are always explicit, and every call has a time limit.
 */
import { createRequire } from 'node:module';
import type * as IamSdk from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { AwsCredentials } from '../core/credentials.js';
import type { Env } from '../core/paths.js';
import type { AccessKeyInfo, IamPort, MfaDeviceInfo, NewAccessKey, VirtualMfaDevice } from '../core/ports.js';
import { clientConfig, configuredEndpoint } from './aws-client-config.js';
import { toIamError, type IamCallContext, type IamOperation } from './iam-errors.js';
import { allPages, type Page, type PageBounds } from './pages.js';

export interface IamOptions {
  /** Attempts per call, the first included (standard retry: throttling, 5xx and network errors, with backoff). */
  readonly maxAttempts?: number;
  readonly connectionTimeoutMs?: number;
  /** Per attempt. */
  readonly requestTimeoutMs?: number;
  /** Per call, all attempts included. */
  readonly totalTimeoutMs?: number;
  /** Bounds of one listing (pages.ts): a Marker that comes back again always stops it. */
  readonly listing?: PageBounds;
}

export interface Iam extends IamPort {
  /** The endpoint the calls go to, for messages and `xacct doctor`. */
  readonly endpoint: string;
}

/** A user has at most 2 access keys and 8 MFA devices: one page of 100 each; 100 pages is far beyond any listing. */
const DEFAULTS = { maxAttempts: 4, connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, totalTimeoutMs: 30_000, listing: { maxPages: 100, timeoutMs: 120_000 } };

/**
 * Calls that are not retried: a retry after an answer that was lost would create a second key or device (whose
 * secret nobody has), and the SDK even retries LimitExceededException as throttling. Their callers recover instead.
 */
const ONCE_ONLY: ReadonlySet<IamOperation> = new Set(['CreateAccessKey', 'CreateVirtualMFADevice', 'EnableMFADevice']);

type IamModule = typeof IamSdk;
let sdkModule: IamModule | undefined;
function loadSdk(): IamModule {
  // require(), not import(): see adapters/sts.ts (Node scans an imported CommonJS bundle for its export names).
  sdkModule ??= createRequire(import.meta.url)('@aws-sdk/client-iam') as IamModule;
  return sdkModule;
}

/** AWS_ENDPOINT_URL_IAM, else AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; checked. */
export function configuredIamEndpoint(env: Env): string | undefined {
  return configuredEndpoint(env, 'AWS_ENDPOINT_URL_IAM', 'https://iam.amazonaws.com');
}

/** IAM is global: a region only picks the partition (aws, aws-cn, aws-us-gov) of the endpoint. */
function iamRegion(env: Env, region?: string): string {
  return region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
}

function defaultEndpoint(region: string): string {
  if (region.startsWith('cn-')) return 'https://iam.cn-north-1.amazonaws.com.cn';
  if (region.startsWith('us-gov-')) return 'https://iam.us-gov.amazonaws.com';
  return 'https://iam.amazonaws.com';
}

export function createIam(env: Env, options: IamOptions & { region?: string } = {}): Iam {
  const opts = { ...DEFAULTS, ...options };
  const customEndpoint = configuredIamEndpoint(env);
  const region = iamRegion(env, options.region);
  const endpoint = customEndpoint ?? defaultEndpoint(region);
  const clients = new Map<string, IAMClient>();

  function clientFor(sdk: IamModule, creds: AwsCredentials, retry: boolean): IAMClient {
    const key = JSON.stringify([creds.accessKeyId, creds.secretAccessKey, creds.sessionToken ?? '', retry]);
    let client = clients.get(key);
    if (!client) {
      client = new sdk.IAMClient({
        region,
        ...(customEndpoint ? { endpoint: customEndpoint } : {}),
        useFipsEndpoint: env.AWS_USE_FIPS_ENDPOINT?.trim().toLowerCase() === 'true',
        ...clientConfig(creds, { ...opts, maxAttempts: retry ? opts.maxAttempts : 1 }),
      });
      clients.set(key, client);
    }
    return client;
  }

  async function send<Out>(
    operation: IamOperation,
    creds: AwsCredentials,
    make: (sdk: IamModule) => object,
    ctx: Partial<IamCallContext> = {},
  ): Promise<Out> {
    try {
      const sdk = loadSdk();
      // Commands of many operations match none of send's overloads as one type; each alone does.
      return (await clientFor(sdk, creds, !ONCE_ONLY.has(operation)).send(make(sdk) as never, { abortSignal: AbortSignal.timeout(opts.totalTimeoutMs) })) as Out;
    } catch (err) {
      throw toIamError(err, { operation, endpoint, withSession: Boolean(creds.sessionToken), ...ctx });
    }
  }

  /** Every page of one listing (Marker), bounded (pages.ts). */
  function pages<Item>(operation: IamOperation, page: (marker: string | undefined) => Promise<Page<Item>>): Promise<Item[]> {
    const hint = `try again; if it happens again, ${endpoint} does not page as IAM does: check AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL`;
    return allPages({ what: `IAM ${operation}`, token: 'Marker', hint }, opts.listing, page);
  }

  return {
    endpoint,

    listAccessKeys: (creds, userName) =>
      pages('ListAccessKeys', async (marker) => {
        const out = await send<IamSdk.ListAccessKeysResponse>('ListAccessKeys', creds, (sdk) => new sdk.ListAccessKeysCommand({ UserName: userName, ...(marker ? { Marker: marker } : {}) }), { userName });
        const keys = (out.AccessKeyMetadata ?? []).flatMap((k): AccessKeyInfo[] => (k.AccessKeyId ? [{ accessKeyId: k.AccessKeyId, status: k.Status ?? 'Active', ...(k.CreateDate ? { createDate: new Date(k.CreateDate) } : {}) }] : []));
        return { items: keys, next: out.IsTruncated ? out.Marker : undefined };
      }),

    async createAccessKey(creds, userName): Promise<NewAccessKey> {
      const out = await send<IamSdk.CreateAccessKeyResponse>('CreateAccessKey', creds, (sdk) => new sdk.CreateAccessKeyCommand({ UserName: userName }), { userName });
      const k = out.AccessKey;
      if (!k?.AccessKeyId || !k.SecretAccessKey) throw toIamError(new Error('IAM returned no access key'), { operation: 'CreateAccessKey', endpoint, withSession: Boolean(creds.sessionToken) });
      return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey, ...(k.CreateDate ? { createDate: new Date(k.CreateDate) } : {}) };
    },

    async deleteAccessKey(creds, userName, accessKeyId) {
      await send('DeleteAccessKey', creds, (sdk) => new sdk.DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }), { userName });
    },

    listMfaDevices: (creds, userName) =>
      pages('ListMFADevices', async (marker) => {
        const out = await send<IamSdk.ListMFADevicesResponse>('ListMFADevices', creds, (sdk) => new sdk.ListMFADevicesCommand({ UserName: userName, ...(marker ? { Marker: marker } : {}) }), { userName });
        const devices = (out.MFADevices ?? []).flatMap((d): MfaDeviceInfo[] => (d.SerialNumber ? [{ serialNumber: d.SerialNumber, ...(d.EnableDate ? { enableDate: new Date(d.EnableDate) } : {}) }] : []));
        return { items: devices, next: out.IsTruncated ? out.Marker : undefined };
      }),

    async createVirtualMfaDevice(creds, deviceName): Promise<VirtualMfaDevice> {
      const out = await send<IamSdk.CreateVirtualMFADeviceResponse>(
        'CreateVirtualMFADevice',
        creds,
        (sdk) => new sdk.CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: deviceName }),
        { deviceName },
      );
      const device = out.VirtualMFADevice;
      const seed = device?.Base32StringSeed ? new TextDecoder().decode(device.Base32StringSeed).trim() : '';
      if (!device?.SerialNumber || !/^[A-Z2-7]+=*$/.test(seed)) {
        throw toIamError(new Error('IAM returned no serial number or no secret for the new device'), { operation: 'CreateVirtualMFADevice', endpoint, withSession: Boolean(creds.sessionToken) });
      }
      return { serialNumber: device.SerialNumber, base32Seed: seed };
    },

    async enableMfaDevice(creds, userName, serialNumber, code1, code2) {
      await send(
        'EnableMFADevice',
        creds,
        (sdk) => new sdk.EnableMFADeviceCommand({ UserName: userName, SerialNumber: serialNumber, AuthenticationCode1: code1, AuthenticationCode2: code2 }),
        { userName },
      );
    },

    async deleteVirtualMfaDevice(creds, serialNumber) {
      await send('DeleteVirtualMFADevice', creds, (sdk) => new sdk.DeleteVirtualMFADeviceCommand({ SerialNumber: serialNumber }));
    },
  };
}
