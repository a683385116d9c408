import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

function home(env: Env): string {
  return env.HOME || homedir();
}

function xdg(env: Env, name: 'XDG_CONFIG_HOME' | 'XDG_DATA_HOME' | 'XDG_STATE_HOME' | 'XDG_CACHE_HOME', fallback: string): string {
  const v = env[name];
  // XDG says relative paths are invalid and must be ignored.
  return v && v.startsWith('/') ? v : join(home(env), fallback);
}

/** The files and folders xacct reads and writes, from the environment (SPEC, "The profile map"; XDG base dirs). */
export function xacctPaths(env: Env) {
  const configDir = join(xdg(env, 'XDG_CONFIG_HOME', '.config'), 'xacct');
  const dataDir = join(xdg(env, 'XDG_DATA_HOME', '.local/share'), 'xacct');
  const stateDir = join(xdg(env, 'XDG_STATE_HOME', '.local/state'), 'xacct');
  const cacheDir = join(xdg(env, 'XDG_CACHE_HOME', '.cache'), 'xacct');
  return {
    profileMap: env.XACCT_CONFIG || join(configDir, 'config.toml'),
    /** Encrypted secrets of the `file` backend. */
    secretsFile: join(dataDir, 'secrets.enc'),
    auditLog: join(stateDir, 'audit.jsonl'),
    lockDir: join(stateDir, 'locks'),
    /** Non-secret index used by the credential-process fast path. */
    cacheIndex: join(cacheDir, 'index.json'),
    awsConfig: env.AWS_CONFIG_FILE || join(home(env), '.aws', 'config'),
    awsCredentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home(env), '.aws', 'credentials'),
  };
}

export type XacctPaths = ReturnType<typeof xacctPaths>;
