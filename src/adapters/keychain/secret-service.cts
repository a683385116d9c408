/**
 * The one binding of xacct to the OS keychain (@napi-rs/keyring), shared by the credential-process fast path and
 * the full path: both load this file (CommonJS), so they share its module state.
 *
 * One entry per key per process. With the Secret Service, every `new AsyncEntry` opens its own D-Bus connection
 * and Secret Service session (Hello, then OpenSession with a key exchange: ~11 ms, and work for the daemon);
 * later calls on the same entry reuse them. So the entry the fast path read is the one the full path reads and
 * writes, and a key is never given a second session unless its first one failed.
 *
 * Every call has a time limit and ends. The library gives each D-Bus call 2 s (a hard-coded libdbus timeout), which
 * a daemon starved of CPU by a crowd of callers can miss: such transient failures ("Did not receive a reply", a
 * session gone with a restarted daemon) are tried again on a new entry, after a pause with jitter, until the
 * process has spent RETRY_BUDGET_MS on them; then every keychain call of the process fails at once, saying the
 * keychain does not answer. A call that the library itself never ends (findCredentials has no timeout: a stopped
 * daemon hangs it, and a hung native call also blocks the process's exit) runs in a child process that is killed
 * at its limit. Failures carry a `kind` (KeychainFailure) so that the caller's message says what happened.
 *
 * On Linux every entry is pinned to the Secret Service: left to itself the library falls back to the kernel
 * keyring when D-Bus is missing, which loses the secrets when the process ends.
 */
import fs = require('node:fs');
import type childProcessModule = require('node:child_process');
import type * as Keyring from '@napi-rs/keyring';

const SERVICE = 'xacct';
const ENTRY_OPTIONS: Keyring.EntryOptions = { linux: { store: 'secret-service' } };

/** Time a process may spend on calls that fail transiently, counted from the start of the first such call. */
const RETRY_BUDGET_MS = 20_000;
/** "No Secret Service on the bus" may be a daemon restarting: tried again for this long only. */
const RESTART_BUDGET_MS = 1_000;
/** One attempt's own wall-clock limit, for what the library's per-call timeout does not cover. */
const ATTEMPT_LIMIT_MS = 8_000;
/** After the budget is spent, further calls fail at once for this long (a long `exec --server` then tries again). */
const GAVE_UP_MS = 60_000;
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 2_000;

type Kind = 'unresponsive' | 'absent' | 'locked' | 'failed';

/** A keychain call that failed for good; `detail` is the library's message (never a secret). */
class KeychainFailure extends Error {
  constructor(
    readonly kind: Kind,
    readonly detail: string,
    readonly tries: number,
    readonly elapsedMs: number,
  ) {
    super(detail);
    this.name = 'KeychainFailure';
  }
}

/**
 * What a failure of the library means. Its errors all have one code (GenericFailure), so the message decides.
 * Measured with GNOME Keyring:
 *  daemon stopped or starved: "Platform failure: DBus error: Did not receive a reply. …"
 *  daemon restarted under an open entry: "Platform failure: DBus error: The session does not exist"
 *  locked collection, Entry: "Couldn't access platform storage: Secret Service: unlock prompt was dismissed"
 *  locked collection, findCredentials: "zbus error: org.freedesktop.Secret.Error.IsLocked: …"
 *  no Secret Service on the bus: "Platform failure: DBus error: The name org.freedesktop.secrets was not provided…"
 *  no bus at the address: "Platform failure: DBus error: Failed to connect to socket …"
 */
function classify(detail: string): Kind {
  if (/IsLocked|is locked|unlock prompt|prompt was dismissed|locked collection/i.test(detail)) return 'locked';
  if (/Did not receive a reply|NoReply|Timed? ?out|timeout|did not answer|Disconnected|Connection reset|Broken pipe|UnknownObject|Object does not exist|No such object|session does not exist|UnknownMethod|aborted/i.test(detail)) {
    return 'unresponsive';
  }
  if (/ServiceUnknown|org\.freedesktop\.secrets|Failed to connect|No such file or directory|Connection refused|DBUS_SESSION_BUS_ADDRESS/i.test(detail)) return 'absent';
  return 'failed';
}

/** How long a failure of this kind is tried again, counted from the process's first transient failure. */
function retryBudgetMs(kind: Kind, detail: string): number {
  if (kind === 'unresponsive') return RETRY_BUDGET_MS;
  // The bus is there but the Secret Service is not (yet): a daemon that restarts takes it again within a second.
  if (kind === 'absent' && /was not provided|ServiceUnknown/i.test(detail)) return RESTART_BUDGET_MS;
  return 0;
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

/** The process's counters: for tests and `XACCT_DEBUG`, and the budget of retries. */
const stats = {
  /** Secret Service sessions opened (entries made). */
  sessions: 0,
  calls: 0,
  retries: 0,
  /** Start of the current run of transient failures; a success ends it. */
  firstTransientAt: undefined as number | undefined,
  /** The failure that used up the budget, and when: calls in the next GAVE_UP_MS fail at once with it. */
  gaveUp: undefined as { readonly failure: KeychainFailure; readonly at: number } | undefined,
};

const entries = new Map<string, Keyring.AsyncEntry>();
let reportInstalled = false;

/**
 * Under XACCT_DEBUG, one line at exit when a keychain call had to be tried again: how many sessions this process
 * opened, its calls, and how many were retried (a process whose calls all went through says nothing more).
 */
function reportAtExit(): void {
  if (reportInstalled) return;
  reportInstalled = true;
  const debug = process.env.XACCT_DEBUG;
  if (debug !== '1' && debug !== 'true') return;
  process.on('exit', () => {
    if (stats.retries === 0) return;
    const line = `xacct: debug: keychain: ${stats.sessions} Secret Service session(s), ${stats.calls} call(s), ${stats.retries} retried\n`;
    try {
      fs.writeSync(2, line);
    } catch {
      /* stderr gone */
    }
  });
}

/** This process's entry for `key`, opened on first use (the constructor opens the Secret Service session). */
function entryFor(key: string): Keyring.AsyncEntry {
  let entry = entries.get(key);
  if (!entry) {
    entry = new (loadBinding().AsyncEntry)(SERVICE, key, ENTRY_OPTIONS);
    stats.sessions++;
    entries.set(key, entry);
  }
  return entry;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects after `ms` unless `work` settles first; the timer never keeps the process alive. */
function withinLimit<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the keychain did not answer within ${ms / 1000}s (${what})`)), ms);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/**
 * Runs `attempt` until it succeeds, a failure that is not transient, or the end of the process's retry budget.
 * `key`: the entry to drop after a transient failure, so that the next try opens a new session.
 */
async function withRetries<T>(what: string, key: string | undefined, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  reportAtExit();
  if (stats.gaveUp && Date.now() - stats.gaveUp.at < GAVE_UP_MS) throw stats.gaveUp.failure;
  const started = Date.now();
  let pause = FIRST_PAUSE_MS;
  for (let tries = 1; ; tries++) {
    try {
      stats.calls++;
      const result = await withinLimit(attempt(AbortSignal.timeout(ATTEMPT_LIMIT_MS)), ATTEMPT_LIMIT_MS, what);
      stats.firstTransientAt = undefined;
      stats.gaveUp = undefined;
      return result;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      const kind = classify(detail);
      const now = Date.now();
      const budget = retryBudgetMs(kind, detail);
      if (key !== undefined && budget > 0) entries.delete(key);
      // The budget runs from the start of the call that met the first failure: its first attempt counts too.
      if (budget > 0) stats.firstTransientAt ??= started;
      const spent = now - (stats.firstTransientAt ?? now);
      if (spent + pause > budget) {
        const failure = new KeychainFailure(kind, detail, tries, now - started);
        if (kind === 'unresponsive') stats.gaveUp = { failure, at: now };
        throw failure;
      }
      stats.retries++;
      // Full jitter: a crowd that failed together does not come back together.
      await sleep(pause / 2 + Math.random() * (pause / 2));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}

async function getPassword(key: string): Promise<string | null> {
  return withRetries(`read "${key}"`, key, (signal) => entryFor(key).getPassword(signal));
}

async function setPassword(key: string, value: string): Promise<void> {
  await withRetries(`write "${key}"`, key, (signal) => entryFor(key).setPassword(value, signal));
}

async function deletePassword(key: string): Promise<boolean> {
  return withRetries(`delete "${key}"`, key, (signal) => entryFor(key).deleteCredential(signal));
}

interface Credential {
  readonly account: string;
  readonly password: string;
}

/**
 * Every entry of the service, keys and values, in one Secret Service session. findCredentials has no time limit
 * of its own, and a native call that never returns would also keep the process from exiting: so it runs in a child
 * (this file), with only what it needs from the environment, killed at the attempt's limit.
 */
async function findAll(): Promise<Credential[]> {
  return withRetries('list the entries', undefined, () => findInChild());
}

function findInChild(): Promise<Credential[]> {
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
    const timer = setTimeout(() => child.kill('SIGKILL'), ATTEMPT_LIMIT_MS);
    timer.unref();
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return reject(new Error(`the keychain did not answer within ${ATTEMPT_LIMIT_MS / 1000}s (list the entries)`));
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

export = { SERVICE, KeychainFailure, classify, getPassword, setPassword, deletePassword, findAll, stats, limits: { RETRY_BUDGET_MS, RESTART_BUDGET_MS, ATTEMPT_LIMIT_MS } };
