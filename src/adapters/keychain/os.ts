/**
 * Backend `os`: the OS keychain, service "xacct", one item per key (key = account).
 *
 * Its calls live in secret-service.cts (on Linux xacct's own Secret Service client, one session per process shared
 * with the credential-process fast path; elsewhere @napi-rs/keyring). `list()` reads every item of the service in
 * one pass, from the Secret Service only (it fails, never falls back), so no key index is kept.
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
      return [...(await readAll()).keys()].sort();
    },
    readAll,
  };
}

/** Every entry, in one pass over the process's one Secret Service session. */
async function readAll(): Promise<ReadonlyMap<string, string>> {
  try {
    return new Map((await keychain.findAll()).map((c) => [c.account, c.password] as const));
  } catch (err) {
    throw keychainError(err, 'list the entries of');
  }
}

/**
 * One line that says what happened (secret-service.cts classifies the failures' messages; none holds a secret):
 * a keychain that does not answer (stopped, stuck, or starved by a crowd past every retry) is not a missing one.
 */
export function keychainError(err: unknown, what: string): XacctError {
  const failure = err instanceof keychain.KeychainFailure ? err : undefined;
  const raw = err instanceof Error ? err.message : String(err);
  const detail = shortDetail(raw);
  const kind = failure?.kind ?? keychain.classify(raw);
  if (kind === 'locked') {
    return new XacctError(`the keychain is locked; unlock it (with your desktop's keyring or passwords app) and try again (could not ${what} it)`, {
      hint: FILE_BACKEND_HINT,
      cause: err,
    });
  }
  if (kind === 'unresponsive') {
    const tried = failure ? `, ${failure.tries} ${failure.tries === 1 ? 'try' : 'tries'} over ${Math.max(1, Math.round(failure.elapsedMs / 1000))}s` : '';
    return new XacctError(`the OS keychain is not answering (Secret Service over D-Bus${tried}): could not ${what} it: ${detail}`, {
      hint: 'the keychain is there but slow or stuck: check that its daemon (gnome-keyring-daemon, KeePassXC…) runs and is not stopped, then try again',
      cause: err,
    });
  }
  if (kind === 'absent') {
    return new XacctError(`no OS keychain reachable (Secret Service over D-Bus): ${detail}`, { hint: FILE_BACKEND_HINT, cause: err });
  }
  return new XacctError(`could not ${what} the OS keychain: ${detail}`, { hint: FILE_BACKEND_HINT, cause: err });
}

/** The library's message without its generic prefix and libdbus's list of possible causes. */
function shortDetail(message: string): string {
  return message
    .replace(/^Platform failure: /, '')
    .replace(/\s*Possible causes include:.*$/s, '')
    .trim();
}
