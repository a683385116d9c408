/**
 * The keyring binding (@napi-rs/keyring), where xacct's own Secret Service client cannot be used: on Linux when
 * DBUS_SESSION_BUS_ADDRESS names no unix socket (tcp:, launchd:…), and on macOS and Windows. Its calls are made,
 * timed and retried by secret-service.cts.
 *
 * One entry per key per process. With the Secret Service, every `new AsyncEntry` opens its own D-Bus connection
 * and Secret Service session; later calls on the same entry reuse them. findCredentials has no time limit of its
 * own, and a native call that never returns also keeps the process from exiting: so it runs in a child process
 * (this file), killed at its limit.
 *
 * On Linux every entry is pinned to the Secret Service: left to itself the library falls back to the kernel
 * keyring when D-Bus is missing, which loses the secrets when the process ends.
 */
import type childProcessModule = require('node:child_process');
import type * as Keyring from '@napi-rs/keyring';

const SERVICE = 'xacct';
const ENTRY_OPTIONS: Keyring.EntryOptions = { linux: { store: 'secret-service' } };

interface Credential {
  readonly account: string;
  readonly password: string;
}

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
/** Entries made, each with its own Secret Service session. */
const counters = { sessions: 0 };

/** This process's entry for `key`, opened on first use (the constructor opens the Secret Service session). */
function entryFor(key: string): Keyring.AsyncEntry {
  let entry = entries.get(key);
  if (!entry) {
    entry = new (loadBinding().AsyncEntry)(SERVICE, key, ENTRY_OPTIONS);
    counters.sessions++;
    entries.set(key, entry);
  }
  return entry;
}

/** Forgets the entry of `key` (after a failure that may be transient): the next call opens a new session. */
function drop(key: string): void {
  entries.delete(key);
}

/** Every entry of the service, from a child process killed after `limitMs`. */
function findInChild(limitMs: number): Promise<Credential[]> {
  const env: Record<string, string> = {};
  for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'HOME', 'PATH', 'LANG', 'LC_ALL', 'SystemRoot']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return new Promise((resolve, reject) => {
    // Loaded here only: a cache hit does not pay for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const childProcess = require('node:child_process') as typeof childProcessModule;
    const child = childProcess.spawn(process.execPath, [__filename, '--find-all'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    timer.unref();
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return reject(new Error(`the keychain did not answer within ${limitMs / 1000}s (list the entries)`));
      if (code !== 0) return reject(new Error(Buffer.concat(err).toString('utf8').trim() || `the keychain lister exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as Credential[]);
      } catch {
        reject(new Error('the keychain lister gave an unreadable answer'));
      }
    });
  });
}

/** The child of findInChild: prints every entry as JSON on stdout (a pipe to its parent), or the error on stderr. */
function runFindAll(): void {
  loadBinding()
    .findCredentialsAsync(SERVICE)
    .then(
      (found) => process.stdout.write(JSON.stringify(found.map(({ account, password }) => ({ account, password })))),
      (e: unknown) => {
        process.stderr.write(e instanceof Error ? e.message : String(e));
        process.exitCode = 1;
      },
    );
}

if (require.main === module && process.argv[2] === '--find-all') runFindAll();

export = { entryFor, drop, findInChild, counters };
