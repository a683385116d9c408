/**
 * One connection to a D-Bus message bus over a unix socket (node:net): SASL EXTERNAL with our uid, then Hello,
 * then method calls matched to their replies by serial. Nothing waits for the authentication or Hello replies
 * before writing on: the authentication, Hello and the first calls go out in one write (the bus reads them in
 * order), so a first call costs one round trip.
 *
 * Every call has a time limit. A connection that failed (closed, reset, a reply that never came) is marked
 * failed and is not reused: its owner opens a new one. The socket keeps the process alive only while a call waits
 * for its reply.
 */
import net = require('node:net');
import wire = require('./dbus-message.cjs');
import address = require('./dbus-address.cjs');
import type { Message, Value } from './dbus-types.js';

type BusTarget = NonNullable<ReturnType<typeof address.supportedTarget>>;

/** A D-Bus error reply: `name` is the error's name (org.freedesktop.DBus.Error.ServiceUnknown…). */
class DbusError extends Error {
  constructor(
    readonly errorName: string,
    text: string,
  ) {
    super(`DBus error: ${text ? `${text} (${errorName})` : errorName}`);
    this.name = 'DbusError';
  }
}

/** The message of a call that got no reply in time (libdbus's own words, so messages read the same). */
const NO_REPLY = 'DBus error: Did not receive a reply.';

interface Call {
  readonly destination: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly signature?: string;
  readonly body?: readonly Value[];
}

interface Pending {
  resolve(m: Message): void;
  reject(e: Error): void;
  readonly timer: NodeJS.Timeout;
}

const CONTROL = /[\p{Cc}\p{Cf}]/gu;

class Connection {
  private readonly socket: net.Socket;
  private readonly pending = new Map<number, Pending>();
  private serial = 0;
  private input: Buffer = Buffer.alloc(0);
  private authenticated = false;
  private corked = false;
  /** Why this connection cannot be used any more, once it cannot. */
  failure: Error | undefined;

  constructor(
    readonly target: BusTarget,
    private readonly callLimitMs: number,
  ) {
    this.socket = net.createConnection({ path: target.path });
    this.socket.unref();
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (e: NodeJS.ErrnoException) => this.fail(this.socketError(e)));
    this.socket.on('close', () => this.fail(new Error('DBus error: Disconnected from the bus (the connection was closed)')));
    const uid = process.getuid?.() ?? 0;
    this.write(Buffer.from(`\0AUTH EXTERNAL ${Buffer.from(String(uid), 'ascii').toString('hex')}\r\nBEGIN\r\n`, 'ascii'));
    // The bus requires Hello first; its reply (our unique name) is not needed, only that it came.
    this.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' }).catch(() => {
      /* the failure reaches every pending call through fail() */
    });
  }

  private socketError(e: NodeJS.ErrnoException): Error {
    if (!this.authenticated && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES')) {
      const why = e.code === 'ENOENT' ? 'No such file or directory' : e.code === 'ECONNREFUSED' ? 'Connection refused' : 'Permission denied';
      return new Error(`DBus error: Failed to connect to socket ${this.target.path}: ${why}`);
    }
    if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return new Error('DBus error: Disconnected from the bus (Connection reset)');
    return new Error(`DBus error: Disconnected from the bus (${e.code ?? e.message})`);
  }

  /** Writes made in one tick leave in one write. */
  private write(data: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(data);
  }

  /** Sends a method call; resolves with its reply's message, rejects with a DbusError, a failure or the time limit. */
  call(c: Call, limitMs = this.callLimitMs): Promise<Message> {
    if (this.failure) return Promise.reject(this.failure);
    const serial = ++this.serial;
    let data: Buffer;
    try {
      data = wire.encodeMessage({ type: wire.MESSAGE_TYPE.call, serial, ...c });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(serial);
        // A bus or service that lets one call go unanswered is not trusted with the next: start afresh.
        this.fail(new Error(NO_REPLY));
        reject(new Error(NO_REPLY));
      }, limitMs);
      timer.unref();
      this.pending.set(serial, { resolve, reject, timer });
      this.socket.ref();
      this.write(data);
    });
  }

  private settle(serial: number): Pending | undefined {
    const p = this.pending.get(serial);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(serial);
      if (this.pending.size === 0) this.socket.unref();
    }
    return p;
  }

  private receive(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    try {
      if (!this.authenticated) {
        const end = this.input.indexOf('\r\n');
        if (end < 0) {
          if (this.input.length > 4096) throw new Error('DBus error: the bus sent an overlong authentication line');
          return;
        }
        const line = this.input.subarray(0, end).toString('latin1');
        if (!line.startsWith('OK ')) throw new Error(`DBus error: the bus refused the authentication (${line.replace(CONTROL, '?').slice(0, 200)})`);
        this.authenticated = true;
        this.input = this.input.subarray(end + 2);
      }
      for (;;) {
        const length = wire.messageLength(this.input);
        if (length === undefined || this.input.length < length) return;
        const bytes = this.input.subarray(0, length);
        this.input = this.input.subarray(length);
        this.dispatch(bytes);
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private dispatch(bytes: Buffer): void {
    const header = wire.decodeMessage(bytes, false);
    if (header.type !== wire.MESSAGE_TYPE.reply && header.type !== wire.MESSAGE_TYPE.error) return; // signals, calls to us
    const p = header.replySerial === undefined ? undefined : this.settle(header.replySerial);
    if (!p) return;
    let message: Message;
    try {
      message = wire.decodeMessage(bytes);
    } catch (e) {
      p.reject(new Error(`DBus error: unreadable reply (${e instanceof Error ? e.message : String(e)})`));
      return;
    }
    if (message.type === wire.MESSAGE_TYPE.reply) return p.resolve(message);
    const text = typeof message.body[0] === 'string' ? message.body[0].replace(CONTROL, ' ').slice(0, 300) : '';
    p.reject(new DbusError(message.errorName ?? 'org.freedesktop.DBus.Error.Failed', text));
  }

  /** Marks the connection failed, fails every waiting call with `e`, and closes the socket. */
  fail(e: Error): void {
    if (!this.failure) this.failure = e;
    for (const serial of [...this.pending.keys()]) this.settle(serial)?.reject(this.failure);
    this.socket.destroy();
  }

  close(): void {
    this.fail(new Error('DBus error: Disconnected from the bus (closed by xacct)'));
  }
}

export = { Connection, DbusError, NO_REPLY };
