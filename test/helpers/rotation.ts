/**
 * For the tests of `xacct rotate`: a fresh IAM user as source `identity`, and what IAM and the keychain hold.
 */
import { expect } from 'vitest';
import type { TestEnv } from './env.js';
import { standardMap } from './identity.js';
import { createIamUser, motoQuery, type IamUser } from './moto.js';
import { runCli } from './run-cli.js';
import { keychainEntry } from './secret-tool.js';

/** The ids of the user's access keys in moto's IAM. */
export async function iamKeyIds(t: Pick<TestEnv, 'moto'>, userName: string): Promise<string[]> {
  const xml = await motoQuery(t.moto.url, 'iam', 'ListAccessKeys', { UserName: userName });
  return [...xml.matchAll(/<AccessKeyId>([^<]+)<\/AccessKeyId>/g)].map((m) => m[1]!).sort();
}

/** The stored keys of source `identity` (secret-tool), or null. */
export async function storedKeys(t: Pick<TestEnv, 'env'>, source = 'identity'): Promise<{ AccessKeyId: string; SecretAccessKey: string } | null> {
  const text = await keychainEntry(t.env, `source:${source}`);
  return text === null ? null : (JSON.parse(text) as { AccessKeyId: string; SecretAccessKey: string });
}

/**
 * A new IAM user (with an MFA device) made source `identity`: the profile map (with `mfa_serial` unless `mfa` is
 * false) and its keys stored with `xacct add`. Sessions of an earlier user are cleared.
 */
export async function identityOfNewUser(t: TestEnv, name: string, opts: { mfa?: boolean } = {}): Promise<IamUser> {
  const user = await createIamUser(t.moto.url, name);
  t.home.write('.config/xacct/config.toml', standardMap(opts.mfa === false ? undefined : user.mfaSerial));
  const cleared = await runCli(['clear'], { env: t.env });
  expect(cleared.code, cleared.stderr).toBe(0);
  const added = await runCli(['add', 'identity'], { env: { ...t.env, AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey } });
  expect(added.code, added.stderr).toBe(0);
  return user;
}
