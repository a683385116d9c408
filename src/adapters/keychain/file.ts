/**
 * Backend `file`: every entry in one file, encrypted with AES-256-GCM under a key derived from a passphrase by scrypt.
 *
 * File: {"v":1,"kdf":{"name":"scrypt","salt","N","r","p"},"iv","tag","data"} (binary fields base64). The salt is
 * chosen when the file is created and kept, so one derivation per process serves every read and write; each write
 * has a fresh random 12-byte IV. The header is authenticated with the data (GCM additional data), so changing the
 * KDF parameters is detected like any other tampering. Writers serialise read-modify-write under a cross-process
 * lock; readers need none, since a write replaces the file atomically.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { dirname } from 'node:path';
import type { LockManager, SecretStore } from '../../core/ports.js';
import { XacctError } from '../../core/errors.js';
import { ensurePrivateDir, readPrivateFile, writeFileAtomic } from '../atomic-file.js';
import type { KeySource } from './file-key.js';

export interface PassphraseRequest {
  readonly file: string;
  /** True when the file does not exist yet: a prompt should ask twice. */
  readonly creating: boolean;
}

export type PassphraseSource = (req: PassphraseRequest) => Promise<string>;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** ~63 ms on the development machine (16 MiB); measured with N = 2^14..2^17, r = 8, p = 1. */
const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 14, r: 8, p: 1 };
/**
 * What xacct writes, and so all it reads: r = 8, p = 1, N a power of two from 2^10 (tests) to the default. A header
 * outside it was not written by xacct and is refused before any derivation (a tampered N = 2^20, r = 8, p = 16 took
 * 60 s and 1.1 GB before these bounds). Raising the default means raising MAX_N with it.
 */
const KDF_BOUNDS = { minN: 2 ** 10, maxN: DEFAULT_SCRYPT.N, r: 8, p: 1, saltBytes: 16 } as const;

function kdfWithinBounds(k: { N: unknown; r: unknown; p: unknown }): boolean {
  const n = k.N;
  const powerOfTwo = typeof n === 'number' && Number.isInteger(n) && n >= KDF_BOUNDS.minN && n <= KDF_BOUNDS.maxN && (n & (n - 1)) === 0;
  return powerOfTwo && k.r === KDF_BOUNDS.r && k.p === KDF_BOUNDS.p;
}

export interface FileSecretStoreOptions {
  readonly file: string;
  readonly lock: LockManager;
  /** Where the key comes from (file-key.ts: environment, agent or terminal); else derived from `passphrase`. */
  readonly key?: KeySource;
  readonly passphrase?: PassphraseSource;
  /** For new files only; an existing file keeps the parameters in its header. */
  readonly scrypt?: ScryptParams;
}

interface Envelope {
  v: 1;
  kdf: { name: 'scrypt'; salt: string; N: number; r: number; p: number };
  iv: string;
  tag: string;
  data: string;
}

interface Contents {
  readonly kdf: Envelope['kdf'];
  readonly entries: Map<string, string>;
}

export function createFileSecretStore(options: FileSecretStoreOptions): SecretStore {
  const { file } = options;
  let passphrase: Promise<string> | undefined;
  const keys = new Map<string, Promise<Buffer>>();

  function getPassphrase(creating: boolean): Promise<string> {
    const source = options.passphrase;
    if (!source) return Promise.reject(new Error('the file backend was given neither a key source nor a passphrase'));
    passphrase ??= source({ file, creating }).then((value) => {
      if (!value) throw new XacctError(`the encrypted secrets file ${file} needs a passphrase, and an empty one was given`);
      return value;
    });
    passphrase.catch(() => (passphrase = undefined));
    return passphrase;
  }

  /** `envelope`: the file as read, which a key must open; absent for a file not written yet. */
  function keyFor(kdf: Envelope['kdf'], creating: boolean, envelope?: Envelope): Promise<Buffer> {
    const id = `${kdf.salt}:${kdf.N}:${kdf.r}:${kdf.p}`;
    let key = keys.get(id);
    if (!key) {
      key = options.key
        ? options.key({
            file,
            creating,
            id: createHash('sha256').update(`xacct-secrets-key:${id}`).digest('hex'),
            derive: (pw) => deriveKey(pw, kdf),
            opens: (candidate) => !envelope || opens(envelope, candidate),
          })
        : getPassphrase(creating).then((pw) => deriveKey(pw, kdf));
      keys.set(id, key);
      key.catch(() => keys.delete(id));
    }
    return key;
  }

  async function load(): Promise<Contents | undefined> {
    const text = readPrivateFile(file, 'the encrypted secrets file');
    if (text === undefined) return undefined;
    const envelope = parseEnvelope(text, file);
    const key = await keyFor(envelope.kdf, false, envelope);
    return { kdf: envelope.kdf, entries: decrypt(envelope, key, file) };
  }

  async function save(contents: Contents, creating: boolean): Promise<void> {
    const key = await keyFor(contents.kdf, creating);
    await ensurePrivateDir(dirname(file), 'the data folder');
    await writeFileAtomic(file, JSON.stringify(encrypt(contents, key)), { mode: 0o600 });
  }

  async function update(change: (entries: Map<string, string>) => boolean): Promise<boolean> {
    return options.lock.withLock(`secrets-file:${file}`, async () => {
      const current = await load();
      const params = options.scrypt ?? DEFAULT_SCRYPT;
      if (!kdfWithinBounds(params)) throw new Error(`scrypt parameters outside what xacct reads: ${JSON.stringify(params)}`);
      const contents = current ?? { kdf: newKdf(params), entries: new Map<string, string>() };
      const changed = change(contents.entries);
      if (changed) await save(contents, current === undefined);
      return changed;
    });
  }

  return {
    backend: 'file',
    async get(key) {
      return (await load())?.entries.get(key) ?? null;
    },
    async set(key, value) {
      await update((entries) => {
        entries.set(key, value);
        return true;
      });
    },
    async delete(key) {
      return update((entries) => entries.delete(key));
    },
    async list() {
      return [...((await load())?.entries.keys() ?? [])].sort();
    },
    async readAll() {
      return new Map((await load())?.entries ?? []);
    },
  };
}

function newKdf(params: ScryptParams): Envelope['kdf'] {
  return { name: 'scrypt', salt: randomBytes(16).toString('base64'), N: params.N, r: params.r, p: params.p };
}

function deriveKey(passphrase: string, kdf: Envelope['kdf']): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), Buffer.from(kdf.salt, 'base64'), 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** The header, bound to the ciphertext: any change to version or KDF fails authentication. */
function additionalData(kdf: Envelope['kdf']): Buffer {
  return Buffer.from(`xacct-secrets:v1:scrypt:${kdf.salt}:${kdf.N}:${kdf.r}:${kdf.p}`);
}

function encrypt(contents: Contents, key: Buffer): Envelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData(contents.kdf));
  const plain = Buffer.from(JSON.stringify({ entries: Object.fromEntries(contents.entries) }));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  plain.fill(0);
  return { v: 1, kdf: contents.kdf, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Whether `key` authenticates the file (the passphrase is right), without keeping what it decrypts. */
function opens(envelope: Envelope, key: Buffer): boolean {
  try {
    decrypt(envelope, key, '').clear();
    return true;
  } catch {
    return false;
  }
}

function decrypt(envelope: Envelope, key: Buffer, file: string): Map<string, string> {
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(additionalData(envelope.kdf));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
  } catch (err) {
    throw new XacctError(`cannot decrypt ${file}: wrong passphrase or corrupt file`, {
      hint: 'check XACCT_FILE_PASSPHRASE (or the passphrase you typed)',
      cause: err,
    });
  }
  try {
    const parsed = JSON.parse(plain.toString('utf8')) as { entries?: unknown };
    const entries = new Map<string, string>();
    if (typeof parsed.entries !== 'object' || parsed.entries === null) throw new Error('no entries');
    for (const [k, v] of Object.entries(parsed.entries)) {
      if (typeof v === 'string') entries.set(k, v);
    }
    return entries;
  } catch (err) {
    throw new XacctError(`cannot decrypt ${file}: corrupt file (bad contents)`, { cause: err });
  } finally {
    plain.fill(0);
  }
}

function parseEnvelope(text: string, file: string): Envelope {
  const corrupt = (why: string) => new XacctError(`cannot decrypt ${file}: corrupt file (${why})`, { hint: 'restore it from a backup, or delete it and run `xacct add` again' });
  let v: Partial<Envelope>;
  try {
    v = JSON.parse(text) as Partial<Envelope>;
  } catch {
    throw corrupt('not JSON');
  }
  if (v.v !== 1) throw corrupt(`unknown version ${JSON.stringify(v.v)}`);
  const kdf = v.kdf;
  if (!kdf || kdf.name !== 'scrypt' || typeof kdf.salt !== 'string' || Buffer.from(kdf.salt, 'base64').length !== KDF_BOUNDS.saltBytes) throw corrupt('bad KDF header');
  // Only what xacct writes, so that a tampered header cannot make the derivation take minutes or gigabytes.
  if (!kdfWithinBounds(kdf)) throw corrupt('bad KDF parameters');
  if (typeof v.iv !== 'string' || Buffer.from(v.iv, 'base64').length !== 12) throw corrupt('bad IV');
  if (typeof v.tag !== 'string' || Buffer.from(v.tag, 'base64').length !== 16) throw corrupt('bad tag');
  if (typeof v.data !== 'string') throw corrupt('no data');
  return { v: 1, kdf: { name: 'scrypt', salt: kdf.salt, N: kdf.N, r: kdf.r, p: kdf.p }, iv: v.iv, tag: v.tag, data: v.data };
}

