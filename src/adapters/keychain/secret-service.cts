/**
 * The one way from xacct to the OS keychain, shared by the credential-process fast path and the full path: both
 * load this file (CommonJS), so they share its module state, and with it one Secret Service connection and session.
 *
 * On Linux with DBUS_SESSION_BUS_ADDRESS naming a unix socket (every desktop session), calls go through xacct's own
 * Secret Service client (secret-service-client.cts): one D-Bus connection and one encrypted session per process,
 * opened on first use. Elsewhere they go through the keyring binding (secret-service-binding.cts), one entry and
 * session per key.
 *
 * Every call has a time limit and ends. Each D-Bus call has 2 s, which a daemon starved of CPU by a crowd of
 * callers can miss: such transient failures (no reply, a session gone with a restarted daemon, a dropped
 * connection) are tried again on a new connection (or entry), after a pause with jitter, until the process has
 * spent RETRY_BUDGET_MS on them; then every keychain call of the process fails at once, saying the keychain does not
 * answer. Failures carry a `kind` (KeychainFailure) so that the caller's message says what happened.
 */
import fs = require('node:fs');
import busAddress = require('./dbus-address.cjs');
import type clientModule = require('./secret-service-client.cjs');
import type bindingModule = require('./secret-service-binding.cjs');

const SERVICE = 'xacct';

/** Time a process may spend on calls that fail transiently, counted from the start of the first such call. */
const RETRY_BUDGET_MS = 20_000;
/** "No Secret Service on the bus" may be a daemon restarting: tried again for this long only. */
const RESTART_BUDGET_MS = 1_000;
/** One attempt's own wall-clock limit, over the time limit of each of its D-Bus calls (2 s). */
const ATTEMPT_LIMIT_MS = 8_000;
/** After the budget is spent, further calls fail at once for this long (a long `exec --server` then tries again). */
const GAVE_UP_MS = 60_000;
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 2_000;

type Kind = 'unresponsive' | 'absent' | 'locked' | 'failed';

/** A keychain call that failed for good; `detail` is the client's or the library's message (never a secret). */
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
 * What a failure means, from its message (the binding's errors all have one code, GenericFailure; the client's
 * messages carry the D-Bus error's name). Measured with GNOME Keyring:
 *  daemon stopped or starved: "DBus error: Did not receive a reply." (the client's words are libdbus's)
 *  daemon restarted under an open session: "… does not exist (org.freedesktop.Secret.Error.NoSession)", or the
 *    binding's "DBus error: The session does not exist"; a bus gone: "DBus error: Disconnected from the bus …"
 *  locked collection: the client's "Secret Service: the item is locked …"; the binding's "… unlock prompt was
 *    dismissed", or from findCredentials "zbus error: org.freedesktop.Secret.Error.IsLocked: …"
 *  no Secret Service on the bus: "… (org.freedesktop.DBus.Error.ServiceUnknown)", "The name org.freedesktop.secrets
 *    was not provided…"
 *  no bus at the address: "DBus error: Failed to connect to socket …"
 */
function classify(detail: string): Kind {
  if (/IsLocked|is locked|unlock prompt|prompt was dismissed|locked collection/i.test(detail)) return 'locked';
  if (/Did not receive a reply|NoReply|Timed? ?out|timeout|did not answer|Disconnected|Connection reset|Broken pipe|UnknownObject|Object does not exist|No such object|session does not exist|NoSession|UnknownMethod|aborted/i.test(detail)) {
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

/** The process's counters: for tests and `XACCT_DEBUG`, and the budget of retries. */
const stats = {
  /** Secret Service sessions opened: the client's, and the binding's entries. */
  get sessions(): number {
    return (loadedClient?.counters.sessions ?? 0) + (loadedBinding?.counters.sessions ?? 0);
  },
  calls: 0,
  retries: 0,
  /** Start of the current run of transient failures; a success ends it. */
  firstTransientAt: undefined as number | undefined,
  /** The failure that used up the budget, and when: calls in the next GAVE_UP_MS fail at once with it. */
  gaveUp: undefined as { readonly failure: KeychainFailure; readonly at: number } | undefined,
};

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

let loadedBinding: typeof bindingModule | undefined;
let loadedClient: typeof clientModule | undefined;

/** The client, loaded on first use: it brings node:net and node:crypto, which a cache hit does without. */
function client(): typeof clientModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loadedClient ??= require('./secret-service-client.cjs') as typeof clientModule);
}

/** The binding's module, loaded where it is used only: on Linux a process needs it only without a unix-socket bus. */
function binding(): typeof bindingModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loadedBinding ??= require('./secret-service-binding.cjs') as typeof bindingModule);
}

/** Whether this process's calls go through xacct's own client (else through the binding). */
function viaClient(): boolean {
  return process.platform === 'linux' && busAddress.supportedTarget(process.env.DBUS_SESSION_BUS_ADDRESS) !== undefined;
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
 * `drop` forgets the connection (or entry) after a transient failure, so that the next try opens a new session.
 */
async function withRetries<T>(what: string, drop: () => void, attempt: () => Promise<T>): Promise<T> {
  reportAtExit();
  if (stats.gaveUp && Date.now() - stats.gaveUp.at < GAVE_UP_MS) throw stats.gaveUp.failure;
  const started = Date.now();
  let pause = FIRST_PAUSE_MS;
  for (let tries = 1; ; tries++) {
    try {
      stats.calls++;
      const result = await withinLimit(attempt(), ATTEMPT_LIMIT_MS, what);
      stats.firstTransientAt = undefined;
      stats.gaveUp = undefined;
      return result;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      const kind = classify(detail);
      const now = Date.now();
      const budget = retryBudgetMs(kind, detail);
      if (budget > 0) drop();
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

/** What `withRetries` drops after a transient failure: the process's connection, or the binding's entry of `key`. */
function dropper(key: string | undefined): () => void {
  return () => (viaClient() ? client().drop() : key !== undefined && binding().drop(key));
}

/** The binding's entry methods take an AbortSignal (the client's calls have time limits of their own). */
const limit = () => AbortSignal.timeout(ATTEMPT_LIMIT_MS);

async function getPassword(key: string): Promise<string | null> {
  return withRetries(`read "${key}"`, dropper(key), () => (viaClient() ? client().get(key) : binding().entryFor(key).getPassword(limit())));
}

async function setPassword(key: string, value: string): Promise<void> {
  await withRetries(`write "${key}"`, dropper(key), () => (viaClient() ? client().set(key, value) : binding().entryFor(key).setPassword(value, limit())));
}

async function deletePassword(key: string): Promise<boolean> {
  return withRetries(`delete "${key}"`, dropper(key), () => (viaClient() ? client().remove(key) : binding().entryFor(key).deleteCredential(limit())));
}

interface Credential {
  readonly account: string;
  readonly password: string;
}

/** Every entry of the service, keys and values, over one Secret Service session (the binding's in a child process). */
async function findAll(): Promise<Credential[]> {
  return withRetries('list the entries', dropper(undefined), () => (viaClient() ? client().all() : binding().findInChild(ATTEMPT_LIMIT_MS)));
}

/** Closes this process's Secret Service connection; the next call opens a new one (tests; a long-running server). */
function drop(): void {
  loadedClient?.drop();
}

/**
 * The credential-process cache hit's one read. On Linux it goes through the binding even where the client would be
 * used: for one read in a fresh process its native session costs less CPU than loading node:net, node:crypto and
 * the client (measured on the hit: 37.5 against 50.2 ms, issue 16). The full path that may follow in the same
 * process uses the client, with one more session then.
 */
async function getPasswordOnHit(key: string): Promise<string | null> {
  if (process.platform !== 'linux') return getPassword(key);
  return withRetries(`read "${key}"`, () => binding().drop(key), () => binding().entryFor(key).getPassword(limit()));
}

export = { SERVICE, KeychainFailure, classify, getPassword, getPasswordOnHit, setPassword, deletePassword, findAll, drop, stats, limits: { RETRY_BUDGET_MS, RESTART_BUDGET_MS, ATTEMPT_LIMIT_MS } };
