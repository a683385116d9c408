import type { AwsCredentials } from './credentials.js';
import type { Env } from './paths.js';

/** Set by `assume --export` in the user's shell (see exported-session.ts). */
export const EXPORTED_MARKER = 'XACCT_EXPORTED';

/** How the child gets its credentials: static keys, or (exec --server) a loopback credential endpoint. */
export type SessionCredentials =
  | { readonly credentials: AwsCredentials }
  | { readonly credentialServer: { readonly url: string; readonly authorizationToken: string } };

export type SessionInput = SessionCredentials & {
  readonly profile: string;
  /** Set as AWS_REGION and AWS_DEFAULT_REGION; when absent, the inherited region (if any) is kept. */
  readonly region?: string;
};

/**
 * Removed from the child's environment besides the ones SPEC names (AWS_PROFILE, AWS_DEFAULT_PROFILE,
 * AWS_SECURITY_TOKEN): every other way an SDK could find credentials from the environment. Environment keys win
 * in most SDK chains, but not in all (the JS SDK v3 skips them when AWS_PROFILE is set; tools that strip static
 * keys fall through to the next provider), so the session must be the child's only credentials. Config file
 * locations (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE) stay: tools read more than credentials from them.
 */
const OTHER_CREDENTIAL_VARS = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SECURITY_TOKEN',
  // aws-vault and others set this next to AWS_CREDENTIAL_EXPIRATION; a stale one would contradict ours.
  'AWS_SESSION_EXPIRATION',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
] as const;

const STATIC_KEY_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'] as const;

/**
 * The changes a session makes to an environment: a value to set, or `undefined` to remove the variable.
 * Every credential variable appears, so that nothing from an outer session or tool survives.
 */
export function sessionEnvChanges(input: SessionInput): Record<string, string | undefined> {
  const changes: Record<string, string | undefined> = {};
  for (const name of OTHER_CREDENTIAL_VARS) changes[name] = undefined;
  for (const name of STATIC_KEY_VARS) changes[name] = undefined;

  if ('credentials' in input) {
    const c = input.credentials;
    changes.AWS_ACCESS_KEY_ID = c.accessKeyId;
    changes.AWS_SECRET_ACCESS_KEY = c.secretAccessKey;
    changes.AWS_SESSION_TOKEN = c.sessionToken;
    changes.AWS_CREDENTIAL_EXPIRATION = c.expiration?.toISOString();
  } else {
    changes.AWS_CONTAINER_CREDENTIALS_FULL_URI = input.credentialServer.url;
    changes.AWS_CONTAINER_AUTHORIZATION_TOKEN = input.credentialServer.authorizationToken;
  }
  if (input.region) {
    changes.AWS_REGION = input.region;
    changes.AWS_DEFAULT_REGION = input.region;
  }
  changes.XACCT_PROFILE = input.profile;
  // A shell or command that xacct starts holds a session of its own, not the export of the shell it came from.
  changes[EXPORTED_MARKER] = undefined;
  return changes;
}

/**
 * The child's environment: `baseEnv` with the session's changes applied (a new object; `baseEnv` is untouched).
 * It starts from xacct's environment without its secrets (envWithoutSecrets): the passphrase of xacct's secrets file
 * unlocks long-term keys, and the command run (a Terraform provider, a script) needs only the session.
 * (`assume --export` does not unset it in the user's shell.)
 */
export function sessionEnv(baseEnv: Env, input: SessionInput): Record<string, string> {
  return applyEnvChanges(envWithoutSecrets(baseEnv), sessionEnvChanges(input));
}

/**
 * xacct's environment as any program xacct starts inherits it (mfa_process, on_assume, the browser, and the base of
 * a session): without the secrets xacct may hold (SECRET_ENV_VARS), and without the variables bin/xacct.js added
 * to it (it lists them in XACCT_LAUNCHER_ADDED), which are not the user's.
 */
export function envWithoutSecrets(env: Env): Record<string, string> {
  const launcherAdded = (env.XACCT_LAUNCHER_ADDED ?? '').split(',').filter(Boolean);
  const removed = [...SECRET_ENV_VARS, ...launcherAdded, 'XACCT_LAUNCHER_ADDED'];
  return applyEnvChanges(env, Object.fromEntries(removed.map((name) => [name, undefined])));
}

export function applyEnvChanges(baseEnv: Env, changes: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnv)) {
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * XACCT_FILE_PASSPHRASE as xacct found it at start-up. It is taken out of the process environment then
 * (takeSecretsFromProcessEnv), because a program started with the whole process environment — the AWS SDK's own
 * exec() of a credential_process deeper in a chain — would get it; xacct's code reads it here (filePassphrase).
 */
let passphraseAtStart: string | undefined;

/** Called once, first thing, by the CLI: moves the file passphrase out of `processEnv` (process.env). */
export function takeSecretsFromProcessEnv(processEnv: Record<string, string | undefined>): void {
  const value = processEnv.XACCT_FILE_PASSPHRASE;
  if (value === undefined) return;
  passphraseAtStart = value;
  delete processEnv.XACCT_FILE_PASSPHRASE;
}

/** The file backend's passphrase from the environment: `env`'s own, else the one taken at start-up. */
export function filePassphrase(env: Env): string | undefined {
  return env.XACCT_FILE_PASSPHRASE || passphraseAtStart || undefined;
}

/** Secrets xacct may have in its own environment; no program it starts gets them from it (envWithoutSecrets). */
const SECRET_ENV_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'XACCT_FILE_PASSPHRASE',
] as const;
