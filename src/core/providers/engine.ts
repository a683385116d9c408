import type { CredentialProvider } from '../credentials.js';
import { provider } from '../credentials.js';
import type { RoleSessionVia } from '../fingerprint.js';
import { fingerprint as fingerprintOf, inputDigests, mfaSessionParts, roleSessionInputs } from '../fingerprint.js';
import type { Logger } from '../logger.js';
import type { AssumedRole, AwsProfileCredentialLoader, Clock, LockManager, MfaCodeSource, SecretStore, StsPort } from '../ports.js';
import type { ProfileMap, ProfilePlan, SourcePlan } from '../profile-map/types.js';
import { identityTag, mfaSessionKey, readKeyIdentity, roleSessionKey, rootOf } from '../session-keys.js';
import { sessionName } from '../session-name.js';
import { cached, type CacheOptions } from './cached.js';
import { memoize } from './memoize.js';
import { mfaSession } from './mfa-session.js';
import { roleSession, roleSessionWithMfa } from './role-session.js';
import { sourceCredentials } from './source.js';

/** AWS caps a role session taken from an MFA session, or from another role session (chaining), at 1 hour. */
export const MAX_CHAINED_ROLE_SECONDS = 3600;

/**
 * How long the stored-keys read a key identity was taken from may stand in for the keys' own read: a cold call asks
 * for them a few keychain round trips later (a crowd's lock wait included); past this, they are read again.
 */
const SHARED_READ_MS = 10_000;

/** SPEC: a cached session is reused while more than 5 minutes of it remain. */
export const REUSE_MARGIN_SECONDS = 300;

export interface EngineDeps {
  readonly store: SecretStore;
  readonly lock: LockManager;
  readonly sts: StsPort;
  readonly mfa: MfaCodeSource;
  readonly awsProfiles: AwsProfileCredentialLoader;
  /** What sessions are keyed by: the AWS profiles' static key ids and the map's session scope. */
  readonly keying: Pick<ProfileMap, 'awsKeyIds' | 'sessionScope'>;
  readonly clock: Clock;
  /** The user's name, the default RoleSessionName. */
  readonly userName: string | undefined;
  /** false with --no-cache. */
  readonly cache: boolean;
  /**
   * Called once for every new role session, with the plan it was assumed for, once the session is cached and the
   * cache lock released: processes waiting for that session do not wait for this too.
   */
  readonly onRoleSession?: (plan: ProfilePlan, sessionName: string, session: AssumedRole) => Promise<void> | void;
  /** Seconds of a role session of this length that must remain for it to be reused (default SPEC's 5 minutes). */
  readonly roleReuseMarginSeconds?: (durationSeconds: number) => number;
  /** Non-fatal trouble (a session that could not be cached). */
  readonly warn?: (message: string) => void;
  /** Every decision explained (XACCT_DEBUG=1): which source, cache hit or why not, why no GetSessionToken. */
  readonly log?: Logger;
}

export interface CredentialEngine {
  /** The provider of a profile's role session: source → (MFA session) → role session, each cached and memoized. */
  profile(plan: ProfilePlan): CredentialProvider;
  /** A source's long-term credentials: keys stored by `xacct add`, else its AWS profile (memoized). */
  longTerm(source: SourcePlan): CredentialProvider;
  /** A source's MFA session (the source must have mfa_serial), cached like the one its role sessions use. */
  mfaSession(source: SourcePlan): CredentialProvider;
  /** The source's key identity (core/session-keys.ts) its sessions are keyed by, read once per process. */
  keyIdentity(source: SourcePlan): Promise<string>;
}

/**
 * Composes the providers of aws-vault's model for the plans of one process. Providers are built once per source
 * and per profile, so that profiles sharing a source, or a chain's parent, share one MFA session.
 */
export function createCredentialEngine(deps: EngineDeps): CredentialEngine {
  const longTerm = new Map<string, CredentialProvider>();
  const mfaSessions = new Map<string, CredentialProvider>();
  const roles = new Map<string, CredentialProvider>();

  const identities = new Map<string, Promise<string>>();
  // The read of a source's stored keys that its key identity was taken from also serves the first ask of its
  // stored-keys link within SHARED_READ_MS (a keychain round trip less per cold call); any later ask reads the store
  // again. Not later: a long-running process (exec's server) whose first retrieval was a cache hit asks for the keys
  // only when its sessions run out, hours on, and keys stored meanwhile (a rotation) must be the ones used.
  const firstReads = new Map<string, { read: Promise<string | null>; at: number }>();
  const keepingFirstRead: Pick<SecretStore, 'get'> = {
    get: (key) => {
      const read = deps.store.get(key);
      firstReads.set(key, { read, at: deps.clock.now().getTime() });
      return read;
    },
  };
  /** The source's key identity (core/session-keys.ts), read once per process. */
  const identityOf = (source: SourcePlan): Promise<string> => getOrAdd(identities, source.name, () => readKeyIdentity(source, keepingFirstRead, deps.keying));
  const sourceStore: SecretStore = {
    get backend() {
      return deps.store.backend;
    },
    get: (key) => {
      const first = firstReads.get(key);
      firstReads.delete(key);
      return first && deps.clock.now().getTime() - first.at <= SHARED_READ_MS ? first.read : deps.store.get(key);
    },
    set: (key, value) => (firstReads.delete(key), deps.store.set(key, value)),
    delete: (key) => (firstReads.delete(key), deps.store.delete(key)),
    list: () => deps.store.list(),
    readAll: () => deps.store.readAll(),
  };

  const cacheOptions = (
    key: string | (() => Promise<string>),
    fingerprint: CacheOptions['fingerprint'],
    source: () => Promise<string>,
    minSecondsLeft = REUSE_MARGIN_SECONDS,
  ) => ({
    key,
    fingerprint,
    source,
    minSecondsLeft,
    store: deps.store,
    lock: deps.lock,
    clock: deps.clock,
    enabled: deps.cache,
    ...(deps.log ? { log: deps.log } : {}),
    onWriteError: (err: unknown) =>
      deps.warn?.(`could not cache the session${typeof key === 'string' ? ` ${key}` : ''}: ${err instanceof Error ? err.message : String(err)}`),
  });

  function sourceOf(source: SourcePlan): CredentialProvider {
    return getOrAdd(longTerm, source.name, () =>
      memoize(sourceCredentials(source, { store: sourceStore, awsProfiles: deps.awsProfiles, ...(deps.log ? { log: deps.log } : {}) }), { clock: deps.clock }),
    );
  }

  function mfaSessionOf(source: SourcePlan): CredentialProvider {
    return getOrAdd(mfaSessions, source.name, () => {
      const keys = sourceOf(source);
      const session = mfaSession(source, keys, deps);
      const fingerprint = async () => {
        const parts = mfaSessionParts(source, await identityOf(source));
        return { fingerprint: fingerprintOf(parts), inputs: inputDigests(parts) };
      };
      const key = async () => mfaSessionKey(await identityOf(source), source.mfaSerial ?? '');
      const tag = async () => identityTag(await identityOf(source));
      return memoize(cached(session, cacheOptions(key, fingerprint, tag)), { clock: deps.clock });
    });
  }

  function roleOf(plan: ProfilePlan): CredentialProvider {
    return getOrAdd(roles, plan.name, () => {
      const root = rootOf(plan).source;
      // Everything but the fingerprint is known without the source's keys (which may take a keychain read).
      const shape = roleSessionShape(plan, deps.userName, '');
      const effective = shape.durationSeconds === plan.durationSeconds ? plan : { ...plan, durationSeconds: shape.durationSeconds };
      const issued: AssumedRole[] = [];
      const roleDeps = { ...deps, sessionName: shape.sessionName, onIssued: (s: AssumedRole) => void issued.push(s) };
      const inner = plan.parent ? roleOf(plan.parent) : shape.via === 'mfa-session' ? mfaSessionOf(plan.source) : sourceOf(plan.source);
      const assume = shape.via === 'mfa-direct' ? roleSessionWithMfa(effective, inner, roleDeps) : roleSession(effective, inner, roleDeps);
      const session = provider((retrieveOptions) => {
        deps.log?.debug(`${plan.name}: AssumeRole ${plan.roleArn} as ${shape.sessionName} for ${shape.durationSeconds} s, ${viaInWords(plan, shape.via)}`);
        return assume.retrieve(retrieveOptions);
      });
      const margin = deps.roleReuseMarginSeconds?.(shape.durationSeconds) ?? REUSE_MARGIN_SECONDS;
      const fingerprint = async () => {
        const { fingerprint: print, inputs } = roleSessionShape(plan, deps.userName, await identityOf(root));
        return { fingerprint: print, inputs };
      };
      const tag = async () => identityTag(await identityOf(root));
      const cachedSession = cached(session, cacheOptions(roleSessionKey(plan, deps.keying), fingerprint, tag, margin));
      const announced = provider(async (retrieveOptions) => {
        try {
          const creds = await cachedSession.retrieve(retrieveOptions);
          for (const s of issued.splice(0)) await deps.onRoleSession?.(effective, shape.sessionName, s);
          return creds;
        } finally {
          issued.length = 0;
        }
      });
      return memoize(announced, { clock: deps.clock, minSecondsLeft: margin });
    });
  }

  return { profile: roleOf, longTerm: sourceOf, mfaSession: mfaSessionOf, keyIdentity: identityOf };
}

/** How a plan's role session is obtained, as the engine does it; `fingerprint` is what its cache entry must carry. */
export interface RoleSessionShape {
  readonly via: RoleSessionVia;
  readonly sessionName: string;
  /** The plan's duration, capped at 1 hour for role chaining. */
  readonly durationSeconds: number;
  readonly fingerprint: string;
  /** A digest of each input of the fingerprint, stored beside the session (which one changed, under debug). */
  readonly inputs: Readonly<Record<string, string>>;
}

/**
 * Pure: also for `list` and the credential-process fast path's index, to tell whether a cached session still fits.
 * `keys`: the key identity of the chain's root source (core/session-keys.ts).
 */
export function roleSessionShape(plan: ProfilePlan, userName: string | undefined, keys: string): RoleSessionShape {
  const name = sessionName(plan, userName);
  const via = viaOf(plan);
  const durationSeconds = via === 'role-chain' ? Math.min(plan.durationSeconds, MAX_CHAINED_ROLE_SECONDS) : plan.durationSeconds;
  const parentFingerprint = plan.parent ? roleSessionShape(plan.parent, userName, keys).fingerprint : undefined;
  const parts = roleSessionInputs(plan, { sessionName: name, durationSeconds, via, keys, ...(parentFingerprint ? { parentFingerprint } : {}) });
  return { via, sessionName: name, durationSeconds, fingerprint: fingerprintOf(parts), inputs: inputDigests(parts) };
}

/** Why the role session is (or is not) taken with an MFA session: aws-vault's "skipping GetSessionToken because…". */
function viaInWords(plan: ProfilePlan, via: RoleSessionVia): string {
  switch (via) {
    case 'role-chain':
      return `signed with the role session of ${plan.parent!.name} (role chaining, at most 1 h)`;
    case 'long-term':
      return `signed with the long-term keys of source ${plan.source.name}: no mfa_serial, so no GetSessionToken`;
    case 'mfa-direct':
      return 'with the MFA code in the call: it lasts more than 1 h, which a role session taken with an MFA session cannot, so no GetSessionToken';
    case 'mfa-session':
      return `signed with the MFA session of source ${plan.source.name} (GetSessionToken once per session_duration)`;
  }
}

function viaOf(plan: ProfilePlan): RoleSessionVia {
  if (plan.parent) return 'role-chain';
  if (!plan.source.mfaSerial) return 'long-term';
  return plan.durationSeconds > MAX_CHAINED_ROLE_SECONDS ? 'mfa-direct' : 'mfa-session';
}

function getOrAdd<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
