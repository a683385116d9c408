/**
 * Backend `os`: the OS keychain through @napi-rs/keyring, service "xacct", one entry per key (key = account).
 *
 * On Linux every entry is pinned to the Secret Service: left to itself the library falls back to the kernel
 * keyring when D-Bus is missing, which loses the secrets when the process ends. `list()` uses findCredentials,
 * which on Linux talks to the Secret Service only (it fails, never falls back), so no key index is kept.
 *
 * Kept light: `credential-process` on a cache hit loads this module and nothing heavier.
 */
import { createRequire } from 'node:module';
import type * as Keyring from '@napi-rs/keyring';
import type { Env } from '../../core/paths.js';
import type { SecretStore } from '../../core/ports.js';
import { XacctError } from '../../core/errors.js';

export const SERVICE = 'xacct';
const ENTRY_OPTIONS: Keyring.EntryOptions = { linux: { store: 'secret-service' } };
const FILE_BACKEND_HINT = 'set XACCT_BACKEND=file to keep secrets in an encrypted file instead';

type KeyringBinding = Pick<typeof Keyring, 'AsyncEntry' | 'findCredentialsAsync'>;
let binding: KeyringBinding | undefined;

/**
 * The package index runs a generated loader that probes the platform (~60 ms); on linux-x64 glibc the binary is
 * loaded directly (~1 ms). On musl that dlopen fails, and the index finds the right one.
 */
function loadKeyring(): KeyringBinding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  if (process.platform === 'linux' && process.arch === 'x64') {
    try {
      binding = require('@napi-rs/keyring-linux-x64-gnu/keyring.linux-x64-gnu.node') as KeyringBinding;
      return binding;
    } catch {
      /* not glibc, or the platform package is missing */
    }
  }
  binding = require('@napi-rs/keyring') as KeyringBinding;
  return binding;
}

export function createOsSecretStore(env: Env): SecretStore {
  if (process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
    throw new XacctError('no OS keychain reachable (Secret Service over D-Bus): DBUS_SESSION_BUS_ADDRESS is not set', {
      hint: FILE_BACKEND_HINT,
    });
  }
  // An entry opens its own Secret Service session (~11 ms measured); later calls on it take ~1 ms.
  const entries = new Map<string, Keyring.AsyncEntry>();
  const entry = (key: string): Keyring.AsyncEntry => {
    let e = entries.get(key);
    if (!e) {
      e = new (loadKeyring().AsyncEntry)(SERVICE, key, ENTRY_OPTIONS);
      entries.set(key, e);
    }
    return e;
  };
  return {
    backend: 'os',
    async get(key) {
      try {
        return await entry(key).getPassword();
      } catch (err) {
        throw keychainError(err, `read "${key}" from`);
      }
    },
    async set(key, value) {
      try {
        await entry(key).setPassword(value);
      } catch (err) {
        throw keychainError(err, `write "${key}" to`);
      }
    },
    async delete(key) {
      try {
        return await entry(key).deleteCredential();
      } catch (err) {
        throw keychainError(err, `delete "${key}" from`);
      }
    },
    async list() {
      try {
        const found = await loadKeyring().findCredentialsAsync(SERVICE);
        return [...new Set(found.map((c) => c.account))].sort();
      } catch (err) {
        throw keychainError(err, 'list the entries of');
      }
    },
  };
}

/**
 * The library's messages name the store and the D-Bus failure, never the secret; they are matched here because
 * every failure has the same error code (GenericFailure). Measured with GNOME Keyring:
 *  locked collection, Entry: "Couldn't access platform storage: Secret Service: unlock prompt was dismissed"
 *  locked collection, findCredentials: "zbus error: org.freedesktop.Secret.Error.IsLocked: …"
 *  no Secret Service on the bus: "Platform failure: DBus error: The name org.freedesktop.secrets was not provided…"
 *  no bus at the address: "Platform failure: DBus error: Failed to connect to socket …"
 */
export function keychainError(err: unknown, what: string): XacctError {
  const detail = err instanceof Error ? err.message : String(err);
  if (/IsLocked|is locked|unlock prompt|prompt was dismissed|locked collection/i.test(detail)) {
    return new XacctError(`the keychain is locked; unlock it (with your desktop's keyring or passwords app) and try again (could not ${what} it)`, {
      hint: FILE_BACKEND_HINT,
      cause: err,
    });
  }
  if (/dbus|zbus|ServiceUnknown|org\.freedesktop\.secrets|Failed to connect|No such file or directory/i.test(detail)) {
    return new XacctError(`no OS keychain reachable (Secret Service over D-Bus): ${detail}`, { hint: FILE_BACKEND_HINT, cause: err });
  }
  return new XacctError(`could not ${what} the OS keychain: ${detail}`, { hint: FILE_BACKEND_HINT, cause: err });
}
