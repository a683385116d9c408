/**
 * The refresher hands its session to the burst waiting on it (issue 16). In a burst of `credential-process
 * <profile>` calls on a cold or expiring cache, one process claims the refresh (credential-process-hit.cts) and the
 * others wait. Without this, each waiter then opened a Secret Service session of its own to read what the refresher
 * cached, and the keychain daemon served those sessions one by one.
 *  - Before its claim is visible, the claimant listens on a Unix socket named from the claim and its own token
 *    (lock-record.cts holderSocketPath), in the lock folder that lockFolder() judged private, with no access for
 *    others (umask 077). A claimant that loses the claim closes it at once.
 *  - Once its full path has cached the new session and indexed it (app/credential-process.ts), it offers the secret
 *    store key and the cache entry's text as the store holds it (read back, once, when a waiter is there to take
 *    it) to every connected waiter and to any that connects until it exits. A refresh that fails, or indexes
 *    nothing, closes the connections with no payload.
 *  - A waiter reads the claim's token, connects (only to a socket of this user), and decides on the text exactly as
 *    on its own keychain read: its own index entry, inputs stamp, fingerprint and expiry. No payload, a refused or
 *    missing socket, a malformed message or the time limit: it does what it did before, waits for the claim to go
 *    and reads the keychain.
 * The socket is removed when its process exits, and with a stale claim taken over (lock-file.cts). One message per
 * connection, one line of JSON, 64 KiB at most. CommonJS; node:net is loaded only when a refresh is claimed or
 * waited on (a cache hit with nobody refreshing never loads this file).
 */
import fs = require('node:fs');
import type netModule = require('node:net');
import record = require('../adapters/lock-record.cjs');

/** A session handed over: the secret store key it is cached under, and the cache entry's text as stored. */
interface Handed {
  readonly key: string;
  readonly text: string;
  /** The refresher's PID (for XACCT_DEBUG). */
  readonly pid: number;
}

const MAX_MESSAGE_BYTES = 64 * 1024;
const uid = process.getuid?.();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const net = () => require('node:net') as typeof netModule;

/** This process's handoff while it holds (or is about to hold) a claim. */
interface Serving {
  readonly server: netModule.Server;
  readonly file: string;
  readonly ino: number;
  /** Connections that came before there was anything to hand over. */
  readonly waiting: Set<netModule.Socket>;
  /** The message, read once when first needed; undefined: nothing to hand over. */
  message?: () => Promise<string | undefined>;
  /** No message will come: new connections are closed. */
  closed?: true;
}

let serving: Serving | undefined;
let exitHookInstalled = false;

/**
 * Listens on the socket of `claim` for a holder with `token` (called before the claim is made, so that a claim
 * that can be seen always has its socket). false when it cannot (then waiters find no socket and wait as before).
 */
function listen(claim: string, token: string): boolean {
  const file = record.holderSocketPath(claim, token);
  if (!file || serving) return false;
  const server = net().createServer(onConnection);
  // A bind that fails is reported on the next tick; it is seen below as a socket that is not there.
  server.on('error', () => undefined);
  const mask = process.umask(0o077);
  try {
    server.listen(file); // binds and listens before it returns (a path, not a port)
  } catch {
    return false;
  } finally {
    process.umask(mask);
  }
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    server.close();
    return false;
  }
  if (!st.isSocket() || st.uid !== uid) {
    server.close();
    return false;
  }
  server.unref();
  serving = { server, file, ino: st.ino, waiting: new Set() };
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', removeSocket);
  }
  return true;
}

function onConnection(socket: netModule.Socket): void {
  socket.unref();
  socket.on('error', () => socket.destroy());
  const s = serving;
  if (!s || s.closed) return void socket.destroy();
  if (s.message) return void send(s, socket);
  s.waiting.add(socket);
  socket.on('close', () => s.waiting.delete(socket));
}

function send(s: Serving, socket: netModule.Socket): void {
  s.message!().then(
    (line) => (line === undefined ? socket.destroy() : socket.end(line)),
    () => socket.destroy(),
  );
}

/**
 * The full path cached and indexed the session of `key`: hand it to the waiters, now and until exit. `read` gives
 * the cache entry's text as stored (null: none); it is called once, and only when a waiter is there.
 */
function offer(key: string, read: () => Promise<string | null>): void {
  const s = serving;
  if (!s || s.closed || s.message) return;
  let line: Promise<string | undefined> | undefined;
  s.message = () =>
    (line ??= read().then(
      (text) => (text ? `${JSON.stringify({ key, text, pid: process.pid })}\n` : undefined),
      () => undefined,
    ));
  for (const socket of s.waiting) send(s, socket);
  s.waiting.clear();
}

/** The full path is over: without an offer, the waiters are let go with nothing (they read the keychain). */
function finish(): void {
  const s = serving;
  if (!s || s.message) return;
  stop();
}

/** Stops serving (a claim lost, or nothing to hand over) and removes the socket. */
function stop(): void {
  const s = serving;
  if (!s) return;
  s.closed = true;
  // The socket first: a waiter let go finds none to connect to again.
  removeSocket();
  s.server.close();
  for (const socket of s.waiting) socket.destroy();
  s.waiting.clear();
  serving = undefined;
}

/** The socket file, if it is still the one this process made (synchronous: also run at exit). */
function removeSocket(): void {
  const s = serving;
  if (!s) return;
  try {
    if (fs.lstatSync(s.file).ino === s.ino) fs.unlinkSync(s.file);
  } catch {
    /* gone already */
  }
}

/**
 * Waits, at most `timeoutMs`, for the holder of `claim` to hand over the session it refreshes; undefined when it
 * hands nothing (no socket, none of this user's, refused, closed without a message, malformed, too long).
 */
async function receive(claim: string, timeoutMs: number): Promise<Handed | undefined> {
  let holder: NonNullable<ReturnType<typeof record.inspectSync>>['holder'];
  try {
    holder = record.inspectSync(claim)?.holder; // synchronous: node:fs/promises costs a waiter more than the look
  } catch {
    return undefined;
  }
  if (!holder || holder.host !== record.host()) return undefined;
  const file = record.holderSocketPath(claim, holder.token);
  try {
    const st = file ? fs.lstatSync(file) : undefined;
    if (!st?.isSocket() || st.uid !== uid) return undefined;
  } catch {
    return undefined;
  }
  return new Promise((resolve) => {
    const socket = net().connect(file!);
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => done(undefined), timeoutMs);
    function done(handed: Handed | undefined) {
      clearTimeout(timer);
      socket.destroy();
      resolve(handed);
    }
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MESSAGE_BYTES) return done(undefined);
      chunks.push(chunk);
    });
    socket.on('end', () => done(parse(Buffer.concat(chunks).toString('utf8'))));
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
  });
}

function parse(text: string): Handed | undefined {
  try {
    const m = JSON.parse(text) as Partial<Handed>;
    if (typeof m.key === 'string' && typeof m.text === 'string' && typeof m.pid === 'number') return { key: m.key, text: m.text, pid: m.pid };
  } catch {
    /* not a message of ours */
  }
  return undefined;
}

export = { listen, offer, finish, stop, receive };
