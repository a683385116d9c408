/** `xacct credential-process <profile>` on the full path: the role session, and the fast path told what it served. */
import type { AwsCredentials } from '../core/credentials.js';
import { RefusedPathError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import { roleSessionKey } from '../core/session-keys.js';
import handoff from '../fast/refresh-handoff.cjs';
import { recordServedProfile, stampInputs } from './fast-path-index.js';
import { prepareCredentials, type CredentialRequest } from './get-credentials.js';

/**
 * Gets the profile's session and hands it to `print` at once (the caller waits on it); then, for a call the fast
 * path could serve next time (`credential-process <profile>` alone: --duration asks for another session and
 * --no-cache for none), records what was served for it, and hands it to the processes of a burst waiting on this
 * one's refresh (src/fast/refresh-handoff.cts; a process that claimed no refresh has none). A call that fails, or
 * records nothing, lets them go with nothing: they read the keychain as before.
 */
export async function serveCredentialProcess(env: Env, req: CredentialRequest, print: (credentials: AwsCredentials) => void): Promise<void> {
  try {
    await serveAndRecord(env, req, print);
  } finally {
    handoff.finish();
  }
}

async function serveAndRecord(env: Env, req: CredentialRequest, print: (credentials: AwsCredentials) => void): Promise<void> {
  const profile = req.profile;
  const stamp = profile && !req.duration && req.cache ? stampInputs(env) : undefined;
  const prepared = await prepareCredentials(env, req);
  const credentials = await prepared.provider.retrieve();
  print(credentials);
  if (!profile || !stamp) return;
  const { context, plan } = prepared;
  try {
    const keys = await prepared.keyIdentity();
    const key = roleSessionKey(plan, context.map);
    const indexed = await recordServedProfile(env, { profile, plan, userName: context.userName, backend: context.store.backend, stamp, key, keys, expiration: credentials.expiration, included: context.map.includedFiles }, context.lock);
    // The entry as the store holds it, read back only if a waiter is there to take it.
    if (indexed) handoff.offer(key, () => context.store.get(key));
  } catch (err) {
    // Only speeds up later calls: a failure here must not fail this one. A cache folder someone else could control
    // is said, though (the credentials are printed already): it is an attack to be seen.
    if (err instanceof RefusedPathError) context.warn(`${err.message}; the fast path is not used`);
  }
}
