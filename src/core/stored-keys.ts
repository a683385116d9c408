/** The one form of a source's long-term keys in the secret store (`source:<source>`, written by `xacct add`). */
import type { AwsCredentials } from './credentials.js';

export interface AccessKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** `{"AccessKeyId":"AKIA…","SecretAccessKey":"…"}` */
export function encodeStoredKeys(keys: AccessKeys): string {
  return JSON.stringify({ AccessKeyId: keys.accessKeyId, SecretAccessKey: keys.secretAccessKey });
}

/** The keys, or undefined when the text is not a stored pair of keys (unreadable, truncated, foreign). */
export function decodeStoredKeys(text: string | null): AwsCredentials | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
  const keys = raw as { AccessKeyId?: unknown; SecretAccessKey?: unknown } | null;
  if (typeof keys?.AccessKeyId !== 'string' || !keys.AccessKeyId || typeof keys.SecretAccessKey !== 'string' || !keys.SecretAccessKey) return undefined;
  return { accessKeyId: keys.AccessKeyId, secretAccessKey: keys.SecretAccessKey };
}
