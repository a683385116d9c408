/**
 * What a profile's plan was resolved from, in a form that is cheap to take again: the environment variables that
 * decide which files are read and which secret store is used, the user's name (the default RoleSessionName), and
 * the identity of each file read (device, inode, size, mtime, ctime) or "absent".
 * The slow path takes a stamp before it reads the files; the fast path serves a cached session only when the
 * stamp it takes now is the same, so the plan — and the fingerprint the slow path would expect — is the same.
 *
 * CommonJS and only node:fs/node:os/node:path: the credential-process fast path loads it before anything else.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');

type Env = Readonly<Record<string, string | undefined>>;

/** Variables that change which files are read, which store is used, where the index lives, or the reuse margin. */
const STAMPED_ENV = [
  'XACCT_CONFIG',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'XACCT_BACKEND',
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  // Test-only: lowers the reuse margin of role sessions (see src/app/session-rules.ts).
  'XACCT_UNSAFE_MIN_DURATION_SECONDS',
] as const;

interface InputFiles {
  readonly profileMap: string;
  readonly awsConfig: string;
  readonly awsCredentials: string;
}

interface InputsStamp {
  readonly env: Readonly<Record<string, string | null>>;
  readonly user: string | null;
  /** File path → identity, for the profile map, the AWS config and the AWS credentials file (in that order). */
  readonly files: Readonly<Record<string, string>>;
}

/** XDG says relative paths are invalid and must be ignored (as src/core/paths.ts does). */
function xdg(env: Env, name: 'XDG_CONFIG_HOME' | 'XDG_CACHE_HOME', home: string, fallback: string): string {
  const v = env[name];
  return v && v.startsWith('/') ? v : path.join(home, fallback);
}

/**
 * The files of xacctPaths(env) (src/core/paths.ts) that a plan is resolved from; a unit test keeps both in step.
 * undefined without HOME: then the home folder comes from the passwd database, which is not stamped.
 */
function inputFiles(env: Env): InputFiles | undefined {
  const home = env.HOME;
  if (!home) return undefined;
  return {
    profileMap: env.XACCT_CONFIG || path.join(xdg(env, 'XDG_CONFIG_HOME', home, '.config'), 'xacct', 'config.toml'),
    awsConfig: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
    awsCredentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
  };
}

/** xacctPaths(env).cacheIndex; undefined without HOME. */
function indexFile(env: Env): string | undefined {
  const home = env.HOME;
  if (!home) return undefined;
  return path.join(xdg(env, 'XDG_CACHE_HOME', home, '.cache'), 'xacct', 'index.json');
}

/** As currentUserName in src/app/context.ts: the OS user's name, else USER, else USERNAME. */
function userName(env: Env): string | undefined {
  let osUser: string | undefined;
  try {
    osUser = os.userInfo().username;
  } catch {
    osUser = undefined;
  }
  return osUser || env.USER || env.USERNAME || undefined;
}

/** A file's identity; any change of its content, or a replacement by rename, changes it. Throws on EACCES etc. */
function fileIdentity(file: string): string {
  const st = fs.statSync(file, { throwIfNoEntry: false, bigint: true });
  if (!st) return 'absent';
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

function takeStamp(env: Env, files: InputFiles, user: string | undefined): InputsStamp {
  const stampedEnv: Record<string, string | null> = {};
  for (const name of STAMPED_ENV) stampedEnv[name] = env[name] ?? null;
  return {
    env: stampedEnv,
    user: user ?? null,
    files: {
      [files.profileMap]: fileIdentity(files.profileMap),
      [files.awsConfig]: fileIdentity(files.awsConfig),
      [files.awsCredentials]: fileIdentity(files.awsCredentials),
    },
  };
}

/** Whether `recorded` (from the index) is the stamp of the inputs as they are now. */
function sameStamp(recorded: unknown, now: InputsStamp): boolean {
  return JSON.stringify(recorded) === JSON.stringify(now);
}

export = { STAMPED_ENV, inputFiles, indexFile, userName, fileIdentity, takeStamp, sameStamp };
