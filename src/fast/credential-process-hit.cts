/**
 * The cache-hit path of `xacct credential-process <profile>`, loaded by the CommonJS launcher before anything else.
 * Resolves true when it printed credentials; false sends the call down the full path, which then does the right
 * thing and reports any error. It never prints on failure, and it serves only what the full path would serve:
 *  - the index (index-file.cts) was written by a full run for this exact profile argument;
 *  - the inputs stamp (profile map, AWS files, environment, user name) is unchanged since, so the plan is too;
 *  - the session's expiry the index records (when it has one) leaves more than minSecondsLeft, judged before the
 *    keychain is read;
 *  - the Secret Service entry of the role session decodes, carries the fingerprint the full run expected, and has
 *    more than minSecondsLeft left.
 * Loads only node builtins, the shared definitions (cache-entry, paths, user name, index format, lock mechanism)
 * and the keyring binding: start-up time is the budget here. On a miss, or with a refresh running, it also loads
 * the refresh claim (refresh-claim.cts) and node:net: a caller that sleeps on another process's refresh takes the
 * session that process hands over (refresh-handoff.cts) instead of reading the keychain.
 */
import fs = require('node:fs');
import type { Env } from '../core/paths.js';
import cacheEntry = require('../core/cache-entry.cjs');
import xacctPaths = require('../core/xacct-paths.cjs');
import inputs = require('./inputs-stamp.cjs');
import indexFile = require('./index-file.cjs');
import type lockRecordModule = require('../adapters/lock-record.cjs');
import type keychainModule = require('../adapters/keychain/secret-service.cjs');
import type textModule = require('../core/text.cjs');
import type trustModule = require('../adapters/file-trust.cjs');
import type makeDirsModule = require('../adapters/make-dirs.cjs');
import type handoffModule = require('./refresh-handoff.cjs');
import type refreshClaimModule = require('./refresh-claim.cjs');

type Handed = NonNullable<Awaited<ReturnType<typeof handoffModule.receive>>>;

/** What the decision needs from the machine; tests replace it. */
interface FastIo {
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  readonly uid: number | undefined;
  nowMs(): number;
  /** The keychain entry's text, or null when there is none; rejects when the store cannot be read. */
  readSecret(key: string): Promise<string | null>;
}

/** One call: its arguments and environment, and the paths of xacctPaths(env), computed once when first needed. */
interface Call {
  readonly args: readonly string[];
  readonly env: Env;
  readonly paths: ReturnType<typeof xacctPaths.xacctPaths>;
}

function callOf(args: readonly string[], env: Env): Call {
  let paths: Call['paths'] | undefined;
  return {
    args,
    env,
    get paths() {
      return (paths ??= xacctPaths.xacctPaths(env));
    },
  };
}

/**
 * `refreshable`: the full path would make a new session and index it, so waiting for a refresh can help.
 * `waited`: the call already slept on another process's refresh before this miss.
 */
type Miss = { readonly reason: string; readonly refreshable?: true; readonly waited?: true };
/** `handedBy`: printed from what the refreshing process handed over (its PID), not from a keychain read. */
type Decision = { readonly json: string; readonly handedBy?: number } | Miss;
/** Where the profile's session is, before the keychain is asked. */
type Located = { readonly entry: Exclude<ReturnType<typeof indexFile.readIndexEntry>, string> };

const systemIo: FastIo = {
  platform: process.platform,
  arch: process.arch,
  uid: process.getuid?.(),
  nowMs: () => Date.now(),
  readSecret: (key) => {
    // Loaded only when the keychain is read: the binding's entry and the retry budget are shared with the full path.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const keychain = require('../adapters/keychain/secret-service.cjs') as typeof keychainModule;
    return keychain.getPasswordOnHit(key);
  },
};

/** Everything that can be decided without the keychain: the index entry of the profile, or why not. */
function locate(call: Call, io: FastIo): Located | Miss {
  const { args, env } = call;
  const profile = args[0];
  if (args.length !== 1 || !profile || profile.startsWith('-')) return { reason: 'not exactly one profile argument' };
  if (io.platform !== 'linux' || (io.arch !== 'x64' && io.arch !== 'arm64')) return { reason: `no fast path on ${io.platform}-${io.arch}` };
  if (!env.DBUS_SESSION_BUS_ADDRESS) return { reason: 'DBUS_SESSION_BUS_ADDRESS is not set' };
  if (env.XACCT_BACKEND === 'file') return { reason: 'XACCT_BACKEND=file' };
  const files = inputs.inputFiles(env, call.paths);
  if (!files) return { reason: 'HOME is not set' };

  let entry: ReturnType<typeof indexFile.readIndexEntry>;
  try {
    entry = indexFile.readIndexEntry(call.paths.cacheIndex, profile, io.uid);
  } catch {
    return { reason: 'no readable index', refreshable: true };
  }
  // The full path writes the profile's entry (a new index replaces one that is not ours).
  if (typeof entry === 'string') return { reason: entry, refreshable: true };
  if (!inputs.sameStamp(entry.stamp, inputs.takeStamp(env, files, inputs.userName(env), inputs.includedFiles(entry.stamp, files)))) {
    return { reason: 'the profile map, the AWS config files or the environment changed since the index was written', refreshable: true };
  }
  // The index records when the session it was written for expires: a session about to expire is refreshed without a
  // keychain read (the binding's session would be one more than the full path's). An entry without it reads.
  if (entry.expiration !== undefined && expiresSoon(new Date(entry.expiration), entry, io)) {
    return { reason: 'the cached session expires soon, as the index records it', refreshable: true };
  }
  return { entry };
}

/** The one reuse rule of the hit, for the index's expiry and the keychain entry's own. */
function expiresSoon(expiration: Date | undefined, entry: Located['entry'], io: FastIo): boolean {
  return cacheEntry.secondsLeft({ expiration }, new Date(io.nowMs())) <= entry.minSecondsLeft;
}

/**
 * The cached session of a located profile, or why it cannot be served. Rejects on keychain trouble. A session
 * `handed` over by the refresher stands for the keychain read of its key: judged by the same rules.
 */
async function readCached(located: Located, io: FastIo, handed?: Handed): Promise<Decision> {
  const { entry } = located;
  const fromRefresher = handed?.key === entry.key ? handed : undefined;
  const cached = cacheEntry.decodeCacheEntry(fromRefresher ? fromRefresher.text : await io.readSecret(entry.key));
  if (!cached) return { reason: 'no usable cached session', refreshable: true };
  if (cached.fingerprint !== entry.fingerprint) return { reason: 'the cached session was obtained for another plan', refreshable: true };
  if (expiresSoon(cached.credentials.expiration, entry, io)) {
    return { reason: 'the cached session expires soon', refreshable: true };
  }
  const json = cacheEntry.credentialProcessJson(cached.credentials);
  if (json === undefined) return { reason: 'the cached session is not a temporary session' };
  return fromRefresher ? { json, handedBy: fromRefresher.pid } : { json };
}

/**
 * Locates and reads; any failure (I/O, keychain) is a miss that yields to the full path. With `sleepOnRefresh`, a
 * located profile first sleeps while another process refreshes it (waitForRunningRefresh); `handed`: what such a
 * refresher handed over.
 */
async function decideCall(call: Call, io: FastIo, sleepOnRefresh = false, handed?: Handed): Promise<Decision> {
  try {
    let located = locate(call, io);
    if ('reason' in located) return located;
    const slept = sleepOnRefresh ? await waitForRunningRefresh(call, io) : undefined;
    const waited = slept !== undefined;
    // The refresh waited for rewrote the index: judge the entry as it is now, not the one read before the wait.
    if (waited) {
      located = locate(call, io);
      if ('reason' in located) return { ...located, waited };
    }
    const decision = await readCached(located, io, handed ?? slept?.handed);
    return waited && 'reason' in decision ? { ...decision, waited } : decision;
  } catch (err) {
    return { reason: `could not read the cache: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** What the fast path would do for these arguments (tests). */
function decide(args: readonly string[], env: Env, io: FastIo = systemIo): Promise<Decision> {
  return decideCall(callOf(args, env), io);
}

/**
 * The refresh claim of a profile: a lock of the one lock mechanism, in the lock folder. Its name alone needs only
 * lock-record.cjs: a hit with no refresh running loads nothing more of the lock mechanism.
 */
function claimFileOf(call: Call): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lockRecord = require('../adapters/lock-record.cjs') as typeof lockRecordModule;
  return lockRecord.lockPath(call.paths.lockDir, `refresh:${call.args[0]}`);
}

/**
 * The lock folder (made if missing, with `create`) when it is a private folder of this user that no one else can
 * swap or write: file-trust's rules for state folders (judged before anything is made) and for private ones, and
 * make-dirs's mkdir, as on the full path. Else undefined: a claim is only a shortcut (without one, the full path's
 * locks still make one STS call), and none is made or waited on in a folder someone else controls (the full path
 * refuses that folder, naming it).
 */
function lockFolder(call: Call, io: FastIo, create = true): string | undefined {
  const dir = call.paths.lockDir;
  const who = { uid: io.uid, home: call.env.HOME };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const trust = require('../adapters/file-trust.cjs') as typeof trustModule;
    if (create && !fs.existsSync(dir)) {
      if (trust.stateFolderProblem(dir, who)) return undefined;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../adapters/make-dirs.cjs') as typeof makeDirsModule).makeDirs(dir, 0o700);
    }
    return trust.privateFolderProblem(dir, who) ? undefined : dir;
  } catch {
    return undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const refreshClaim = () => require('./refresh-claim.cjs') as typeof refreshClaimModule;

/**
 * On a miss that the full path would fix by refreshing: claim the refresh (then take the full path), or sleep
 * while the process that claimed it works, and decide again. A process sleeps on a refresh once: after that, a
 * miss takes the full path (claimed if nobody else has claimed it).
 */
async function afterRefresh(call: Call, io: FastIo, miss: Miss): Promise<Decision> {
  if (!call.args[0] || !lockFolder(call, io)) return miss;
  const claim = claimFileOf(call);
  let handed: Handed | undefined;
  try {
    if (await refreshClaim().claimRefresh(claim)) return { reason: `${miss.reason}; this process refreshes it` };
    if (miss.waited) return { reason: `${miss.reason}, after waiting for another process's refresh` };
    const slept = await refreshClaim().sleepOnClaim(claim);
    if ('outcome' in slept && slept.outcome === 'timeout') return { reason: `${miss.reason}; another process's refresh took longer than ${refreshClaim().CLAIM_WAIT.timeoutMs / 1000}s` };
    if ('handed' in slept) handed = slept.handed;
  } catch {
    return miss;
  }
  const again = await decideCall(call, io, false, handed);
  return 'json' in again ? again : { reason: `${again.reason}, after waiting for another process's refresh` };
}

/**
 * A caller of a burst: when another process is refreshing this profile's session right now, its cached session is
 * about to be replaced; sleep until it is (or until it hands the new one over), rather than add a keychain session
 * to the daemon's load meanwhile. One look at one file when nobody refreshes. undefined when it did not sleep.
 */
async function waitForRunningRefresh(call: Call, io: FastIo): Promise<{ readonly handed?: Handed } | undefined> {
  if (!fs.existsSync(call.paths.lockDir)) return undefined;
  const claim = claimFileOf(call);
  if (!fs.existsSync(claim) || !lockFolder(call, io, false)) return undefined;
  try {
    const slept = await refreshClaim().sleepOnClaim(claim);
    if ('handed' in slept) return { handed: slept.handed };
    return slept.outcome === 'none' ? undefined : {};
  } catch {
    return undefined; // a look that fails is no reason not to read the cache
  }
}

/** Writes all of `text` to stdout without setting up process.stdout (a stream costs start-up time). */
function writeStdout(text: string): void {
  const data = Buffer.from(text, 'utf8');
  let offset = 0;
  try {
    while (offset < data.length) offset += fs.writeSync(1, data, offset);
  } catch (err) {
    // A non-blocking pipe that is full: let the stream wait for the reader.
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    process.stdout.write(data.subarray(offset));
  }
}

/** src/core/text.cts has the one definition; loaded only when XACCT_DEBUG is set at all, so a hit does not pay. */
function isDebug(env: Env): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return env.XACCT_DEBUG !== undefined && (require('../core/text.cjs') as typeof textModule).debugEnabled(env);
}

async function serveFromCache(args: readonly string[], env: Env, io: FastIo = systemIo): Promise<boolean> {
  const call = callOf(args, env);
  let decision = await decideCall(call, io, true);
  if ('reason' in decision && decision.refreshable) decision = await afterRefresh(call, io, decision);
  if ('reason' in decision) {
    if (isDebug(env)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { oneLine } = require('../core/text.cjs') as typeof textModule;
      process.stderr.write(`xacct: debug: ${oneLine(`credential-process fast path not taken: ${decision.reason}`)}\n`);
    }
    return false;
  }
  try {
    writeStdout(`${decision.json}\n`);
  } catch {
    // stdout is gone (EPIPE, EBADF): nobody can read credentials now, and the full path would fail alike.
    process.exitCode = 1;
    return true;
  }
  if (isDebug(env)) {
    const by = decision.handedBy === undefined ? '' : `, handed over by process ${decision.handedBy} that refreshed it (no keychain read)`;
    process.stderr.write(`xacct: debug: credential-process served from the cache (fast path)${by}\n`);
  }
  return true;
}

export = { serveFromCache, decide };
