/**
 * Backend `os`: the OS keychain through @napi-rs/keyring, service "xacct", one entry per key (key = account).
 *
 * The binding, its entries (one Secret Service session per key per process, shared with the credential-process
 * fast path) and its calls live in secret-service.cts. `list()` uses findCredentials, which on Linux talks to the
 * Secret Service only (it fails, never falls back), so no key index is kept.
 *
 * Kept light: `credential-process` on a cache hit loads this module and nothing heavier.
 */
import type { Env } from '../../core/paths.js';
import type { SecretStore } from '../../core/ports.js';
import { XacctError } from '../../core/errors.js';
import keychain from './secret-service.cjs';

export const SERVICE = keychain.SERVICE;
const FILE_BACKEND_HINT = 'set XACCT_BACKEND=file to keep secrets in an encrypted file instead';

export function createOsSecretStore(env: Env): SecretStore {
  if (process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
    throw new XacctError('no OS keychain reachable (Secret Service over D-Bus): DBUS_SESSION_BUS_ADDRESS is not set', {
      hint: FILE_BACKEND_HINT,
    });
  }
  return {
    backend: 'os',
    async get(key) {
      try {
        return await keychain.getPassword(key);
      } catch (err) {
        throw keychainError(err, `read "${key}" from`);
      }
    },
    async set(key, value) {
      try {
        await keychain.setPassword(key, value);
      } catch (err) {
        throw keychainError(err, `write "${key}" to`);
      }
    },
    async delete(key) {
      try {
        return await keychain.deletePassword(key);
      } catch (err) {
        throw keychainError(err, `delete "${key}" from`);
      }
    },
    async list() {
      try {
        const found = await keychain.findAll();
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
