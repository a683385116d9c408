/** moto_server on a free loopback port, and an IAM user with access keys and an MFA device in it. */
import { randomBytes } from 'node:crypto';
import { startDaemon } from './procs.js';

/** moto's account: every user and role it creates lives here. */
export const MOTO_ACCOUNT = '123456789012';

export interface Moto {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawn to the first HTTP answer. */
  readonly startupMs: number;
  /** What moto_server logged (one line per request). */
  log(): string;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  const started = Date.now();
  // Port 0: werkzeug binds a free port itself and prints it, so there is no window in which another process
  // can take a port found free beforehand.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  const daemon = startDaemon('moto_server', ['-H', '127.0.0.1', '-p', '0'], env);
  try {
    const [, url] = await daemon.waitForLine(/Running on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
    for (let i = 0; ; i++) {
      const answered = await fetch(`${url}/moto-api/`).then((r) => r.ok, () => false);
      if (answered) break;
      if (i === 100) throw new Error(`moto_server does not answer at ${url}:\n${daemon.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      url: url!,
      pid: daemon.pid,
      startupMs: Date.now() - started,
      log: daemon.log,
      async reset() {
        const r = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
        if (!r.ok) throw new Error(`moto reset: ${r.status}`);
      },
      stop: daemon.stop,
    };
  } catch (err) {
    await daemon.stop();
    throw err;
  }
}

export class MotoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One AWS Query API call to moto, unsigned: moto reads the service from the credential scope and checks no
 * signature. Returns the response XML.
 */
export async function motoQuery(url: string, service: 'iam' | 'sts', action: string, params: Record<string, string> = {}): Promise<string> {
  const version = service === 'iam' ? '2010-05-08' : '2011-06-15';
  const response = await fetch(`${url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: action, Version: version, ...params }).toString(),
  });
  const xml = await response.text();
  if (!response.ok) {
    throw new MotoError(xmlValue(xml, 'Code') ?? String(response.status), `${service}:${action}: ${xmlValue(xml, 'Message') ?? xml}`);
  }
  return xml;
}

/** The text of the first <tag> in `xml` (enough for the flat answers of IAM and STS). */
export function xmlValue(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

export interface IamUser {
  userName: string;
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** ARN of the user's virtual MFA device (enabled), e.g. arn:aws:iam::123456789012:mfa/alice */
  mfaSerial: string;
}

/** Creates an IAM user with an access key and an enabled virtual MFA device. */
export async function createIamUser(url: string, userName = `user-${randomBytes(3).toString('hex')}`): Promise<IamUser> {
  const user = await motoQuery(url, 'iam', 'CreateUser', { UserName: userName });
  const key = await motoQuery(url, 'iam', 'CreateAccessKey', { UserName: userName });
  const device = await motoQuery(url, 'iam', 'CreateVirtualMFADevice', { VirtualMFADeviceName: userName });
  const mfaSerial = xmlValue(device, 'SerialNumber')!;
  await motoQuery(url, 'iam', 'EnableMFADevice', { UserName: userName, SerialNumber: mfaSerial, AuthenticationCode1: '123456', AuthenticationCode2: '654321' });
  return {
    userName,
    arn: xmlValue(user, 'Arn')!,
    accessKeyId: xmlValue(key, 'AccessKeyId')!,
    secretAccessKey: xmlValue(key, 'SecretAccessKey')!,
    mfaSerial,
  };
}
