/**
 * The one definition of every file and folder xacct reads and writes, from the environment (SPEC, "The profile
 * map"; the XDG base directories). CommonJS and only node:os/node:path, so that the credential-process fast path
 * uses it too; ESM code reaches it through src/core/paths.ts.
 */
import os = require('node:os');
import path = require('node:path');
import type { Env } from './paths.js';

function home(env: Env): string {
  return env.HOME || os.homedir();
}

function xdg(env: Env, name: 'XDG_CONFIG_HOME' | 'XDG_DATA_HOME' | 'XDG_STATE_HOME' | 'XDG_CACHE_HOME', fallback: string): string {
  const v = env[name];
  // XDG says relative paths are invalid and must be ignored.
  return v && v.startsWith('/') ? v : path.join(home(env), fallback);
}

/** `$XDG_RUNTIME_DIR/xacct` (the user's own, cleared at logout), else `<tmp>/xacct-<uid>` as ssh-agent and tmux do. */
function runtimeDir(env: Env): string {
  const v = env.XDG_RUNTIME_DIR;
  const tmp = env.TMPDIR && env.TMPDIR.startsWith('/') ? env.TMPDIR : '/tmp';
  return v && v.startsWith('/') ? path.join(v, 'xacct') : path.join(tmp, `xacct-${process.getuid?.() ?? 'user'}`);
}

function xacctPaths(env: Env) {
  const configDir = path.join(xdg(env, 'XDG_CONFIG_HOME', '.config'), 'xacct');
  const dataDir = path.join(xdg(env, 'XDG_DATA_HOME', '.local/share'), 'xacct');
  const stateDir = path.join(xdg(env, 'XDG_STATE_HOME', '.local/state'), 'xacct');
  const cacheDir = path.join(xdg(env, 'XDG_CACHE_HOME', '.cache'), 'xacct');
  return {
    profileMap: env.XACCT_CONFIG || path.join(configDir, 'config.toml'),
    /** Accounts synced from AWS Organizations by `xacct sync`, read as part of the profile map's [accounts]. */
    organizationFile: path.join(dataDir, 'organization.toml'),
    /** Encrypted secrets of the `file` backend. */
    secretsFile: path.join(dataDir, 'secrets.enc'),
    auditLog: path.join(stateDir, 'audit.jsonl'),
    lockDir: path.join(stateDir, 'locks'),
    /** Hashes of the notes `list` has shown, so that each is shown once (app/notices.ts). */
    noticesFile: path.join(stateDir, 'notices.json'),
    /** Non-secret index used by the credential-process fast path. */
    cacheIndex: path.join(cacheDir, 'index.json'),
    /** The file backend's passphrase agent listens here (a private folder: XDG_RUNTIME_DIR, else one in /tmp). */
    agentSocket: path.join(runtimeDir(env), 'agent.sock'),
    /** Where locks go when the state folder cannot be written at all (a read-only HOME: adapters/lock-folder.ts). */
    runtimeLockDir: path.join(runtimeDir(env), 'locks'),
    /** Parses of large profile maps, by the text's sha256 (adapters/config-files/parsed-map-cache.ts). */
    parsedMaps: path.join(cacheDir, 'parsed-maps'),
    /** V8's code of the packages xacct loads (the AWS SDK), by the sha256 of each file (adapters/module-code-cache.cts). */
    codeCache: path.join(cacheDir, 'code-cache'),
    awsConfig: env.AWS_CONFIG_FILE || path.join(home(env), '.aws', 'config'),
    awsCredentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home(env), '.aws', 'credentials'),
  };
}

export = { xacctPaths };
