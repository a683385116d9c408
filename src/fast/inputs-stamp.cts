/**
 * What a profile's plan was resolved from, in a form that is cheap to take again: the environment variables that
 * decide which files are read and which secret store is used, the user's name (the default RoleSessionName), and
 * the identity of each file read (device, inode, size, mtime, ctime) or "absent".
 * The slow path takes a stamp before it reads the files; the fast path serves a cached session only when the
 * stamp it takes now is the same, so the plan — and the fingerprint the slow path would expect — is the same.
 *
 * CommonJS and only node builtins and the shared path and user name definitions: the credential-process fast path
 * loads it before anything else.
 */
import fs = require('node:fs');
import type { Env } from '../core/paths.js';
import xacctPaths = require('../core/xacct-paths.cjs');
import userNames = require('../core/user-name.cjs');

/** Variables that change which files are read, which store is used, where the index lives, or the reuse margin. */
const STAMPED_ENV = [
  'XACCT_CONFIG',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'XACCT_BACKEND',
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  // Test-only: lowers the reuse margin of role sessions (see src/app/session-rules.ts).
  'XACCT_UNSAFE_MIN_DURATION_SECONDS',
] as const;

interface InputFiles {
  readonly profileMap: string;
  /** Accounts synced from AWS Organizations, read as part of the profile map's [accounts]. */
  readonly organizationFile: string;
  readonly awsConfig: string;
  readonly awsCredentials: string;
}

interface InputsStamp {
  readonly env: Readonly<Record<string, string | null>>;
  readonly user: string | null;
  /**
   * File path → identity, for the profile map, organization.toml, the AWS config and the AWS credentials file (in
   * that order), then the maps the profile map includes (as recorded by the full path: see includedFiles).
   */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * The files of xacctPaths(env) (`paths`, when the caller has them already) that a plan is resolved from. undefined
 * without HOME: then the home folder comes from the passwd database, which is not stamped.
 */
function inputFiles(env: Env, paths: ReturnType<typeof xacctPaths.xacctPaths> = xacctPaths.xacctPaths(env)): InputFiles | undefined {
  if (!env.HOME) return undefined;
  const { profileMap, organizationFile, awsConfig, awsCredentials } = paths;
  return { profileMap, organizationFile, awsConfig, awsCredentials };
}

/** A file's identity; any change of its content, or a replacement by rename, changes it. Throws on EACCES etc. */
function fileIdentity(file: string): string {
  const st = fs.statSync(file, { throwIfNoEntry: false, bigint: true });
  return st ? identityOf(st) : 'absent';
}

/** The identity of a file from its (bigint) stat, as fileIdentity writes it. */
function identityOf(st: Pick<fs.BigIntStats, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs'>): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * `included`: the maps the profile map includes, in the order the full path recorded them. The fast path passes
 * those of the index entry (includedFiles), so that it takes one stat per file it depends on, whatever the size of
 * the map.
 */
function takeStamp(env: Env, files: InputFiles, user: string | undefined, included: readonly string[] = []): InputsStamp {
  const stampedEnv: Record<string, string | null> = {};
  for (const name of STAMPED_ENV) stampedEnv[name] = env[name] ?? null;
  const identities: Record<string, string> = {
    [files.profileMap]: fileIdentity(files.profileMap),
    [files.organizationFile]: fileIdentity(files.organizationFile),
    [files.awsConfig]: fileIdentity(files.awsConfig),
    [files.awsCredentials]: fileIdentity(files.awsCredentials),
  };
  for (const file of included) if (!(file in identities)) identities[file] = fileIdentity(file);
  return { env: stampedEnv, user: user ?? null, files: identities };
}

/** The included maps a recorded stamp names: its files other than those of InputFiles, in their order. */
function includedFiles(recorded: unknown, files: InputFiles): string[] {
  const recordedFiles = (recorded as { files?: unknown } | null)?.files;
  if (typeof recordedFiles !== 'object' || recordedFiles === null || Array.isArray(recordedFiles)) return [];
  const fixed = new Set(Object.values(files));
  return Object.keys(recordedFiles).filter((f) => !fixed.has(f));
}

/** Whether `recorded` (from the index) is the stamp of the inputs as they are now. */
function sameStamp(recorded: unknown, now: InputsStamp): boolean {
  return JSON.stringify(recorded) === JSON.stringify(now);
}

export = { inputFiles, userName: userNames.currentUserName, fileIdentity, identityOf, takeStamp, includedFiles, sameStamp };
