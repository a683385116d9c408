/**
 * The setup most integration tests start from, on a startEnv({ sts: true }) environment: a profile map whose source
 * `identity` is moto's IAM user `alice` (her MFA device), and her long-term keys given to xacct — stored with
 * `xacct add identity`, or written to ~/.aws/credentials.
 *
 *     beforeAll(async () => {
 *       t = await startEnv({ keyring: true, sts: true });
 *       await setupIdentity(t); // prod-admin and staging-admin; the keys in the keyring
 *     });
 */
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { xacctPaths } from '../../src/core/paths.js';
import { mfaSessionKey, roleSessionKey, sessionScopeOf } from '../../src/core/session-keys.js';
import type { TestEnv } from './env.js';
import type { Env } from './home.js';
import { runCli, XACCT_BIN } from './run-cli.js';

export const PROD_ACCOUNT = '222222222222';
export const STAGING_ACCOUNT = '333333333333';

export interface MapOptions {
  /** More lines of `[sources.identity]` (after mfa_serial and region). */
  source?: string;
  /** The lines of `[roles]`; default `admin = "OrganizationAccountAccessRole"`. */
  roles?: string;
  /** Appended after `[roles]` (e.g. `[profiles.prod-admin]` tables). */
  more?: string;
}

/**
 * `[sources.identity]` with `mfaSerial` (none when undefined) and region eu-west-1, accounts prod (222222222222) and
 * staging (333333333333), and the roles of `opts.roles`: profiles prod-admin and staging-admin by default.
 */
export function standardMap(mfaSerial: string | undefined, opts: MapOptions = {}): string {
  const mfa = mfaSerial === undefined ? '' : `mfa_serial = "${mfaSerial}"\n`;
  return (
    `[sources.identity]\n${mfa}region = "eu-west-1"\n${opts.source ? `${opts.source}\n` : ''}\n` +
    `[accounts]\nprod = "${PROD_ACCOUNT}"\nstaging = "${STAGING_ACCOUNT}"\n\n` +
    `[roles]\n${opts.roles ?? 'admin = "OrganizationAccountAccessRole"'}\n` +
    (opts.more ? `\n${opts.more}` : '')
  );
}

/** The IAM user's long-term keys as `xacct add` and the AWS tools read them from the environment. */
export function userKeys(t: Pick<TestEnv, 'user'>): Env {
  return { AWS_ACCESS_KEY_ID: t.user.accessKeyId, AWS_SECRET_ACCESS_KEY: t.user.secretAccessKey };
}

/** `xacct add <source>` with the user's keys (into the keychain of `env`, t.env by default); fails the test unless it succeeds. */
export async function addUserKeys(t: Pick<TestEnv, 'user' | 'env'>, opts: { source?: string; env?: Env } = {}): Promise<void> {
  const r = await runCli(['add', opts.source ?? 'identity'], { env: { ...(opts.env ?? t.env), ...userKeys(t) } });
  expect(r.code, r.stderr).toBe(0);
}

/**
 * Writes the profile map (`map`, or standardMap() of the user's MFA device) to ~/.config/xacct/config.toml and stores
 * the user's keys for source `identity` with `xacct add identity` (`env`: t.env by default). Returns the map's path.
 */
export async function setupIdentity(t: TestEnv, opts: { map?: string; env?: Env } = {}): Promise<string> {
  const file = t.home.write('.config/xacct/config.toml', opts.map ?? standardMap(t.user.mfaSerial));
  await addUserKeys(t, opts.env ? { env: opts.env } : {});
  return file;
}

/** Writes the user's keys as the `[<profile>]` of ~/.aws/credentials (a source's `aws_profile`); returns the file's path. */
export function writeUserCredentials(t: Pick<TestEnv, 'user' | 'home'>, profile = 'identity'): string {
  return t.home.write('.aws/credentials', `[${profile}]\naws_access_key_id = ${t.user.accessKeyId}\naws_secret_access_key = ${t.user.secretAccessKey}\n`);
}

/**
 * A plain `xacct` command, as after an install: a wrapper of the built bin/xacct.js in HOME/bin. Returns `env` with
 * that folder first on PATH (for the AWS tools, which run `credential_process = xacct …` through a shell).
 */
export function withXacctOnPath(t: Pick<TestEnv, 'home'>, env: Env): Env {
  t.home.write('bin/xacct', `#!/bin/sh\nexec "${process.execPath}" "${XACCT_BIN}" "$@"\n`, 0o755);
  return { ...env, PATH: `${t.home.path('bin')}:${env.PATH ?? ''}` };
}

/**
 * The secret store keys the CLI caches sessions under in `env` (src/core/session-keys.ts): a profile's role session
 * (scoped by the files of its map) and the MFA session of a key and device.
 */
export function roleSessionKeyIn(env: Env, profile: string): string {
  const paths = xacctPaths(env);
  return roleSessionKey({ name: profile }, { sessionScope: sessionScopeOf({ profileMap: resolve(paths.profileMap), awsConfig: resolve(paths.awsConfig) }) });
}

export function mfaSessionKeyOf(accessKeyId: string, mfaSerial: string): string {
  return mfaSessionKey(`key:${accessKeyId}`, mfaSerial);
}
