/**
 * The one binding of xacct to the OS keychain (@napi-rs/keyring), shared by the credential-process fast path and
 * the full path: both load this file (CommonJS), so they share its module state.
 *
 * One entry per key per process. With the Secret Service, every `new AsyncEntry` opens its own D-Bus connection
 * and Secret Service session (Hello, then OpenSession with a key exchange: ~11 ms, and work for the daemon);
 * later calls on the same entry reuse them. So the entry the fast path read is the one the full path reads and
 * writes, and a key is never given a second session unless its first one failed.
 *
 * On Linux every entry is pinned to the Secret Service: left to itself the library falls back to the kernel
 * keyring when D-Bus is missing, which loses the secrets when the process ends.
 */
import type * as Keyring from '@napi-rs/keyring';

const SERVICE = 'xacct';
const ENTRY_OPTIONS: Keyring.EntryOptions = { linux: { store: 'secret-service' } };

type Binding = Pick<typeof Keyring, 'AsyncEntry' | 'findCredentialsAsync'>;
let binding: Binding | undefined;

/**
 * The package index runs a generated loader that probes the platform (~60 ms); on Linux with glibc the platform
 * package's binary is loaded directly (~1 ms). Elsewhere (musl, macOS, Windows) the index finds the right one.
 */
function loadBinding(): Binding {
  if (binding) return binding;
  if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      binding = require(`@napi-rs/keyring-linux-${process.arch}-gnu/keyring.linux-${process.arch}-gnu.node`) as Binding;
      return binding;
    } catch {
      /* not glibc, or the platform package is missing */
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  binding = require('@napi-rs/keyring') as Binding;
  return binding;
}

const entries = new Map<string, Keyring.AsyncEntry>();

/** This process's entry for `key`, opened on first use (the constructor opens the Secret Service session). */
function entryFor(key: string): Keyring.AsyncEntry {
  let entry = entries.get(key);
  if (!entry) {
    entry = new (loadBinding().AsyncEntry)(SERVICE, key, ENTRY_OPTIONS);
    entries.set(key, entry);
  }
  return entry;
}

/** Drops the entry of `key` (after a failure: its session may be gone), so that the next use opens a new one. */
function forget(key: string): void {
  entries.delete(key);
}

async function getPassword(key: string): Promise<string | null> {
  return entryFor(key).getPassword();
}

async function setPassword(key: string, value: string): Promise<void> {
  await entryFor(key).setPassword(value);
}

async function deletePassword(key: string): Promise<boolean> {
  return entryFor(key).deleteCredential();
}

/** Every entry of the service, keys and values, in one Secret Service session. */
async function findAll(): Promise<{ account: string; password: string }[]> {
  return loadBinding().findCredentialsAsync(SERVICE);
}

export = { SERVICE, entryFor, forget, getPassword, setPassword, deletePassword, findAll };
