/**
 * The cache-hit path of `xacct credential-process <profile>`, loaded by the CommonJS launcher before anything else.
 * Returns true when it printed credentials; false sends the call down the full path, which then does the right
 * thing and reports any error. It never prints on failure, and it serves only what the full path would serve:
 *  - the index (src/app/fast-path-index.ts) was written by a full run for this exact profile argument;
 *  - the inputs stamp (profile map, AWS files, environment, user name) is unchanged since, so the plan is too;
 *  - the Secret Service entry of the role session (pinned: never the kernel keyring) decodes, carries the
 *    fingerprint the full run expected, and has more than minSecondsLeft left.
 * Loads only node builtins, its two sibling modules and the keyring binary: start-up time is the budget here.
 */
import fs = require('node:fs');
import path = require('node:path');
import inputs = require('./inputs-stamp.cjs');
import codec = require('./cache-entry.cjs');
import type claimModule = require('./refresh-claim.cjs');

type Env = Readonly<Record<string, string | undefined>>;

const SERVICE = 'xacct';
const INDEX_VERSION = 1;

/** What the decision needs from the machine; tests replace it. */
interface FastIo {
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  readonly uid: number | undefined;
  nowMs(): number;
  /** The Secret Service entry's text, or null when there is none; throws when the store cannot be read. */
  readSecret(key: string): string | null;
}

/** `refreshable`: the full path would make a new session and index it, so waiting for a refresh can help. */
type Miss = { readonly reason: string; readonly refreshable?: true };
type Decision = { readonly json: string } | Miss;

interface KeyringBinding {
  Entry: new (service: string, account: string, options: { linux: { store: 'secret-service' } }) => { getPassword(): string | null };
}

type KeyringEntry = InstanceType<KeyringBinding['Entry']>;
const entries = new Map<string, KeyringEntry>();

/**
 * The platform package's binary itself: the package index probes the platform first, which costs ~60 ms.
 * An entry opens its own Secret Service session (~11 ms); it is kept for a second read after a wait.
 */
function readSecretService(arch: string, key: string): string | null {
  let entry = entries.get(key);
  if (!entry) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binding = require(`@napi-rs/keyring-linux-${arch}-gnu/keyring.linux-${arch}-gnu.node`) as KeyringBinding;
    entry = new binding.Entry(SERVICE, key, { linux: { store: 'secret-service' } });
    entries.set(key, entry);
  }
  return entry.getPassword();
}

const systemIo: FastIo = {
  platform: process.platform,
  arch: process.arch,
  uid: process.getuid?.(),
  nowMs: () => Date.now(),
  readSecret: (key) => readSecretService(process.arch, key),
};

interface IndexEntry {
  readonly key: string;
  readonly fingerprint: string;
  readonly minSecondsLeft: number;
  readonly stamp: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The index entry of `profile`, from a file of our own that no one else can write. */
function readIndexEntry(file: string, profile: string, uid: number | undefined): IndexEntry | string {
  let text: string;
  // Never through a link, and never waiting on a FIFO planted in a shared cache folder (file-trust.cts has the rules).
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return 'the index is not a private file of this user';
    text = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  const index: unknown = JSON.parse(text);
  if (!isRecord(index) || index.v !== INDEX_VERSION || !isRecord(index.profiles)) return 'the index is not of version 1';
  if (!Object.prototype.hasOwnProperty.call(index.profiles, profile)) return 'the index has no entry for this profile';
  const e = index.profiles[profile];
  if (
    !isRecord(e) ||
    e.key !== `role-session:${profile}` ||
    typeof e.fingerprint !== 'string' ||
    e.fingerprint === '' ||
    typeof e.minSecondsLeft !== 'number' ||
    !(e.minSecondsLeft >= 0)
  ) {
    return 'the index entry is malformed';
  }
  return { key: e.key, fingerprint: e.fingerprint, minSecondsLeft: e.minSecondsLeft, stamp: e.stamp };
}

/** The JSON to print, or why the full path must answer. Throws on I/O trouble (also a reason to yield). */
function decide(args: readonly string[], env: Env, io: FastIo): Decision {
  const profile = args[0];
  if (args.length !== 1 || !profile || profile.startsWith('-')) return { reason: 'not exactly one profile argument' };
  if (io.platform !== 'linux' || (io.arch !== 'x64' && io.arch !== 'arm64')) return { reason: `no fast path on ${io.platform}-${io.arch}` };
  if (!env.DBUS_SESSION_BUS_ADDRESS) return { reason: 'DBUS_SESSION_BUS_ADDRESS is not set' };
  if (env.XACCT_BACKEND === 'file') return { reason: 'XACCT_BACKEND=file' };
  const indexFile = inputs.indexFile(env);
  const files = inputs.inputFiles(env);
  if (!indexFile || !files) return { reason: 'HOME is not set' };

  let entry: IndexEntry | string;
  try {
    entry = readIndexEntry(indexFile, profile, io.uid);
  } catch {
    return { reason: 'no readable index' };
  }
  if (typeof entry === 'string') return { reason: entry };
  if (!inputs.sameStamp(entry.stamp, inputs.takeStamp(env, files, inputs.userName(env)))) {
    return { reason: 'the profile map, the AWS config files or the environment changed since the index was written', refreshable: true };
  }

  const cached = codec.decodeCacheEntry(io.readSecret(entry.key));
  if (!cached) return { reason: 'no usable cached session', refreshable: true };
  if (cached.fingerprint !== entry.fingerprint) return { reason: 'the cached session was obtained for another plan', refreshable: true };
  if (codec.secondsLeft(cached.expiration, io.nowMs()) <= entry.minSecondsLeft) {
    return { reason: 'the cached session expires soon', refreshable: true };
  }
  const json = codec.credentialProcessJson(cached);
  return json === undefined ? { reason: 'the cached session is not a temporary session' } : { json };
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

function isDebug(env: Env): boolean {
  return env.XACCT_DEBUG === '1' || env.XACCT_DEBUG === 'true';
}

function safeDecide(args: readonly string[], env: Env, io: FastIo): Decision {
  try {
    return decide(args, env, io);
  } catch (err) {
    return { reason: `could not read the cache: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * On a miss that the full path would fix by refreshing: claim the refresh (then take the full path), or wait for
 * the process that claimed it and decide again. After that second decision, a miss takes the full path unclaimed.
 */
function afterRefresh(args: readonly string[], env: Env, io: FastIo, miss: Miss): Decision {
  const profile = args[0];
  const indexFile = inputs.indexFile(env);
  if (!profile || !indexFile) return miss;
  const dir = path.dirname(indexFile);
  // Loaded on a miss only: a hit does not pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const claim = require('./refresh-claim.cjs') as typeof claimModule;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      if (claim.claimRefresh(dir, profile)) return { reason: `${miss.reason}; this process refreshes it` };
      if (claim.waitForRefresh(dir, profile)) {
        const again = safeDecide(args, env, io);
        return 'json' in again ? again : { reason: `${again.reason}, after waiting for another process's refresh` };
      }
    } catch {
      return miss;
    }
  }
  return miss;
}

function serveFromCache(args: readonly string[], env: Env, io: FastIo = systemIo): boolean {
  let decision = safeDecide(args, env, io);
  if ('reason' in decision && decision.refreshable) decision = afterRefresh(args, env, io, decision);
  if ('reason' in decision) {
    if (isDebug(env)) process.stderr.write(`xacct: debug: credential-process fast path not taken: ${decision.reason}\n`);
    return false;
  }
  try {
    writeStdout(`${decision.json}\n`);
  } catch {
    // stdout is gone (EPIPE, EBADF): nobody can read credentials now, and the full path would fail alike.
    process.exitCode = 1;
    return true;
  }
  if (isDebug(env)) process.stderr.write('xacct: debug: credential-process served from the cache (fast path)\n');
  return true;
}

export = { serveFromCache, decide };
