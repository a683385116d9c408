/**
 * `xacct add <source> --from-aws-profile <name> [--remove-plaintext]`: moves an AWS profile's long-term keys from
 * the credentials file into the keychain. Nothing changes until STS has accepted the keys; the file is edited only
 * once the keychain holds them (read back), so at no point is the key in neither place.
 *
 * No backup of the old file is kept: it would be one more plain copy of the secret. The edit is a temp file in the
 * same folder renamed over the old one, so a crash leaves either the old file or the new one, never a part.
 */
import { awsProfileOf } from '../core/sources/aws-profile.js';
import { removeProfileKeys, KEY_SETTINGS } from '../core/aws-credentials-edit.js';
import cacheEntry from '../core/cache-entry.cjs';
import { UsageError, XacctError } from '../core/errors.js';
import { scanIniSections, splitLines } from '../core/ini-lines.js';
import type { Env } from '../core/paths.js';
import { decodeStoredKeys } from '../core/stored-keys.js';
import { didYouMean } from '../core/suggest.js';
import { readExisting, replaceExisting } from '../adapters/config-files/text-file.js';
import { addSourceKeys, checkAccessKeys, storeDescription, type AccessKeys } from './source-keys.js';
import { openSourceIdentity } from './source-identity.js';

const { secretKeys } = cacheEntry;

export interface MoveRequest {
  readonly source: string;
  /** The AWS profile of the credentials file whose keys move. */
  readonly profile: string;
  readonly removePlaintext: boolean;
}

export interface MoveResult {
  readonly accessKeyId: string;
  /** Whose keys they are (GetCallerIdentity). */
  readonly arn: string;
  readonly replaced: boolean;
  /** "the OS keychain (Secret Service)" */
  readonly where: string;
  /** The credentials file. */
  readonly file: string;
  /** With --remove-plaintext: the lines removed (1-based) and whether the section went too. */
  readonly removed?: { readonly lines: readonly number[]; readonly sectionRemoved: boolean };
  /** Role profiles of the AWS config whose source_profile is that profile: the AWS CLI alone no longer finds keys for them. */
  readonly dependentProfiles: readonly string[];
}

export async function addFromAwsProfile(env: Env, req: MoveRequest): Promise<MoveResult> {
  const identity = await openSourceIdentity(env, req.source);
  const { context } = identity;
  const file = context.paths.awsCredentials;
  const existing = await readExisting(file, 'the AWS credentials file');
  if (!existing) {
    // The hint speaks of AWS_SHARED_CREDENTIALS_FILE as set only when it is.
    const hint = env.AWS_SHARED_CREDENTIALS_FILE
      ? 'AWS_SHARED_CREDENTIALS_FILE names it: point it at the file that holds the keys, or unset it'
      : `write the keys there (aws configure --profile ${req.profile}), or set AWS_SHARED_CREDENTIALS_FILE to the file that holds them`;
    throw new UsageError(`there is no AWS credentials file ${file} to take the keys of profile '${req.profile}' from`, hint);
  }
  const keys = keysOf(existing.text, req.profile, file);

  // STS first: keys it refuses are not moved anywhere.
  const { arn } = await context.sts.getCallerIdentity(keys, identity.source.region);
  const { replaced } = await addSourceKeys(context.store, req.source, keys, context.map, { env: context.env, lock: context.lock });
  const stored = await context.store.get(secretKeys.source(req.source));
  if (!sameKeys(stored, keys)) {
    throw new XacctError(`the keychain did not keep the keys of source '${req.source}'; ${file} was left as it was`, { hint: 'run xacct doctor to see what the keychain does' });
  }
  const where = storeDescription(context.store, context.paths.secretsFile);
  const dependentProfiles = [...context.map.profiles.values()]
    .filter((p) => p.origin === 'aws-config' && awsProfileOf(p.source) === req.profile)
    .map((p) => p.name);

  if (!req.removePlaintext) return { accessKeyId: keys.accessKeyId, arn, replaced, where, file, dependentProfiles };
  const edit = removeProfileKeys(existing.text, req.profile, file);
  if (!edit) throw new XacctError(`no key lines of profile '${req.profile}' found in ${file}`); // keysOf found them
  await replaceExisting(existing, edit.text);
  return { accessKeyId: keys.accessKeyId, arn, replaced, where, file, removed: { lines: edit.lines, sectionRemoved: edit.sectionRemoved }, dependentProfiles };
}

/** The long-term keys of `[profile]` in the credentials file, checked; a usage error (exit 2) saying what is wrong. */
function keysOf(text: string, profile: string, file: string): AccessKeys {
  const sections = scanIniSections(splitLines(text), { file, what: 'the AWS credentials file' });
  const named = sections.filter((s) => s.header === profile);
  if (named.length === 0) {
    const names = sections.map((s) => s.header);
    throw new UsageError(`no profile [${profile}] in ${file}${didYouMean(profile, names)}`, names.length ? `profiles there: ${names.join(', ')}` : undefined);
  }
  if (named.length > 1) throw new UsageError(`profile [${profile}] appears ${named.length} times in ${file}; the AWS CLI cannot read that either`, 'merge the sections into one');
  const settings = named[0]!.keys;
  const value = (key: string) => {
    const found = settings.filter((s) => s.key === key);
    if (found.length > 1) throw new UsageError(`${key} appears ${found.length} times in [${profile}] of ${file}`, 'keep one');
    return found[0]?.value;
  };
  const [accessKeyId, secretAccessKey] = KEY_SETTINGS.map(value);
  if (!accessKeyId || !secretAccessKey) {
    const missing = KEY_SETTINGS.filter((k) => !value(k)).join(' and ');
    throw new UsageError(`profile [${profile}] of ${file} has no ${missing}`, 'xacct add --from-aws-profile moves the static keys of an IAM user');
  }
  if (value('aws_session_token') || value('aws_security_token')) {
    throw new UsageError(`profile [${profile}] of ${file} holds temporary credentials (aws_session_token)`, 'xacct add stores the long-term keys of an IAM user (AKIA…)');
  }
  return checkAccessKeys({ accessKeyId, secretAccessKey });
}

function sameKeys(stored: string | null, keys: AccessKeys): boolean {
  const read = decodeStoredKeys(stored);
  return read?.accessKeyId === keys.accessKeyId && read.secretAccessKey === keys.secretAccessKey;
}
