/**
 * The lock files of lock-file.cts: their names, their holder records, and the file operations that create, read
 * and remove one without ever leaving a half-written lock or removing one that changed hands.
 * CommonJS and light (the credential-process fast path loads it): node:fs, node:os and node:path only.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly time: string;
  readonly token: string;
}

interface Inspected {
  readonly holder: Holder | undefined;
  readonly ageMs: number;
  /** Owned by another user than this process's. */
  readonly foreign: boolean;
}

let hostName: string | undefined;
/** Read when a holder record is made, not when the fast path loads this module only to name a claim. */
const host = (): string => (hostName ??= os.hostname());
const uid = process.getuid?.();

/** 64-bit FNV-1a of the key, in hex: lock names need uniqueness, not secrecy (the folder is private). */
function hash64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** File name of a key's lock: readable prefix for people looking at the folder, hash for uniqueness. */
function lockPath(lockDir: string, key: string): string {
  const readable = key.replace(/[^\w.-]+/g, '_').slice(0, 40);
  return path.join(lockDir, `${readable}-${hash64(key)}.lock`);
}

/** sun_path holds 108 bytes, its NUL included: a longer path cannot be a socket's. */
const MAX_SOCKET_PATH_BYTES = 107;

/**
 * The Unix socket beside a lock on which its holder serves the processes waiting on it (src/fast/refresh-handoff.cts),
 * named from the lock and the holder's token (a waiter reads the token in the lock); undefined when the path would be
 * too long for a socket.
 */
function holderSocketPath(lockFile: string, token: string): string | undefined {
  const file = path.join(path.dirname(lockFile), `${hash64(`${path.basename(lockFile)}\n${token}`)}.sock`);
  return Buffer.byteLength(file) <= MAX_SOCKET_PATH_BYTES ? file : undefined;
}

function newHolder(): Holder {
  const token = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  return { pid: process.pid, host: host(), time: new Date().toISOString(), token };
}

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Creates the lock file holding `holder`'s record; false when it exists already. */
async function tryCreate(file: string, holder: Holder | { pid: number; time: string }): Promise<boolean> {
  const record = JSON.stringify(holder);
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.new`;
  try {
    // Inside the try: a full disk fails the write after the create, and the empty temp file must go too.
    await fs.promises.writeFile(temp, record, { mode: 0o600, flag: 'wx' });
    await fs.promises.link(temp, file);
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    if (['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code(err) ?? '')) return tryCreateWithoutLink(file, record);
    throw err;
  } finally {
    await fs.promises.unlink(temp).catch(() => undefined);
  }
}

/** Filesystems without hard links: exclusive create, then write (a reader may briefly see it empty). */
async function tryCreateWithoutLink(file: string, record: string): Promise<boolean> {
  let created = false;
  try {
    const handle = await fs.promises.open(file, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(record);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    if (created) await fs.promises.unlink(file).catch(() => undefined);
    throw err;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') {
      return { pid: v.pid, host: v.host, time: String(v.time ?? ''), token: v.token };
    }
  } catch {
    /* unreadable: judged by age alone */
  }
  return undefined;
}

/**
 * The lock's holder and age; undefined when there is no lock (or it was released meanwhile). Synchronous, so that a
 * burst's waiters look without loading node:fs/promises; two calls on a file of one line.
 */
function inspectSync(file: string): Inspected | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const st = fs.statSync(file);
    return { holder: parseHolder(text), ageMs: Date.now() - st.mtimeMs, foreign: uid !== undefined && st.uid !== uid };
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** inspectSync, for the lock loops written with await (lock-file.cts). */
async function inspect(file: string): Promise<Inspected | undefined> {
  return inspectSync(file);
}

/**
 * Removes the lock file only if it still holds `token` (undefined: an unreadable record).
 * Rename first, so what gets checked is exactly what was taken away; put it back if it was someone else's.
 * Synchronous, so that the same steps run at exit (lock-file.cts releaseAllSync): four calls on a private folder.
 */
function removeIfHeldBy(file: string, token: string | undefined): void {
  const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.old`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const holder = parseHolder(fs.readFileSync(aside, 'utf8'));
    if (holder?.token !== token) quietly(() => fs.linkSync(aside, file));
  } finally {
    quietly(() => fs.unlinkSync(aside));
  }
}

function quietly(op: () => void): void {
  try {
    op();
  } catch {
    /* best effort: see the callers */
  }
}

export = { host, lockPath, holderSocketPath, newHolder, tryCreate, parseHolder, inspect, inspectSync, removeIfHeldBy };
