/**
 * xacct's own Secret Service client (the freedesktop.org Secret Service API over D-Bus), used on Linux when
 * DBUS_SESSION_BUS_ADDRESS names a unix socket: one bus connection and one encrypted session for the whole
 * process, opened on first use and shared by every later call, the fast path's and the full path's alike (both
 * load this CommonJS file). It stores items exactly as the keyring binding does, so each reads the other's:
 * label `keyring:<key>@xacct`, attributes service=xacct and username=<key>, in the default collection.
 *
 * A call costs two round trips: the first call's connection, authentication, Hello, OpenSession and SearchItems
 * leave in one write; then GetSecret (or SetSecret, CreateItem, Delete). A locked item or collection is reported,
 * never unlocked: xacct shows no prompt of the desktop's. Failures carry the D-Bus error's name in their message,
 * for secret-service.cts to classify; none holds a secret. The caller drops the connection after a failure that
 * may be transient, and the next call opens a new one.
 */
import dbus = require('./dbus-connection.cjs');
import busAddress = require('./dbus-address.cjs');
import transfer = require('./secret-service-session.cjs');
import type { Message, Value, Variant } from './dbus-types.js';

const SECRETS = 'org.freedesktop.secrets';
const SERVICE_PATH = '/org/freedesktop/secrets';
const SERVICE_IFACE = 'org.freedesktop.Secret.Service';
const ITEM_IFACE = 'org.freedesktop.Secret.Item';
/** What the binding stores with a password (keyring's set_password), so that libsecret tools show it as text. */
const CONTENT_TYPE = 'text/plain';
/** One D-Bus call's limit, libdbus's as the binding uses it: a starved daemon's late reply is retried on a new connection. */
const CALL_LIMIT_MS = 2_000;

interface Session {
  readonly path: string;
  /** The AES key; undefined for a "plain" session (measurements only). */
  readonly key: Buffer | undefined;
}

interface Open {
  readonly connection: InstanceType<typeof dbus.Connection>;
  readonly session: Promise<Session>;
  /** OpenSession failed: the next call starts afresh (this one's calls report the failure). */
  sessionFailed: boolean;
}

const counters = { sessions: 0 };
/** "plain" is for measuring what the encryption costs; xacct always uses the DH session, as libsecret does. */
const options = { algorithm: transfer.ALGORITHM as string };
let current: Open | undefined;

function open(): Open {
  const target = busAddress.supportedTarget(process.env.DBUS_SESSION_BUS_ADDRESS);
  if (current && !current.connection.failure && !current.sessionFailed && current.connection.target.path === target?.path) return current;
  drop();
  if (!target) throw new Error('DBus error: DBUS_SESSION_BUS_ADDRESS names no unix socket');
  const connection = new dbus.Connection(target, CALL_LIMIT_MS);
  const plain = options.algorithm === 'plain';
  const ours = plain ? undefined : transfer.offer();
  counters.sessions++;
  const session = call(connection, SERVICE_PATH, SERVICE_IFACE, 'OpenSession', 'sv', [options.algorithm, (ours ? { sig: 'ay', value: ours.publicValue } : { sig: 's', value: '' }) as Variant]).then(
    (reply): Session => {
      const [output, path] = reply.body as [Variant, string];
      if (!ours) return { path, key: undefined };
      if (output.sig !== 'ay') throw new Error('Secret Service: OpenSession answered without a public key');
      return { path, key: ours.agree(output.value as Buffer) };
    },
  );
  const opened: Open = { connection, session, sessionFailed: false };
  session.catch(() => {
    // The call that waits for it reports the failure.
    opened.sessionFailed = true;
  });
  current = opened;
  return current;
}

/** Closes the process's connection (after a failure): the next call opens a new one, with a new session. */
function drop(): void {
  current?.connection.close();
  current = undefined;
}

function call(connection: Open['connection'], path: string, iface: string, member: string, signature: string, body: readonly Value[]): Promise<Message> {
  return connection.call({ destination: SECRETS, path, interface: iface, member, signature, body });
}

function attributesOf(key: string | undefined): [string, string][] {
  return key === undefined ? [['service', SERVICE]] : [['service', SERVICE], ['username', key]];
}
const SERVICE = 'xacct';

async function search(o: Open, key: string | undefined): Promise<{ unlocked: string[]; locked: string[] }> {
  const reply = await call(o.connection, SERVICE_PATH, SERVICE_IFACE, 'SearchItems', 'a{ss}', [attributesOf(key)]);
  const [unlocked, locked] = reply.body as [string[], string[]];
  return { unlocked, locked };
}

function lockedError(): Error {
  return new Error('Secret Service: the item is locked (its collection is locked; xacct does not prompt to unlock it)');
}

/** The one item stored for `key`, undefined when there is none; fails as the binding does when it is locked or not unique. */
async function uniqueItem(o: Open, key: string): Promise<string | undefined> {
  const { unlocked, locked } = await search(o, key);
  if (locked.length > 0) throw lockedError();
  if (unlocked.length > 1) throw new Error(`Secret Service: ${unlocked.length} items match "${key}" (Ambiguous: remove all but one, e.g. with seahorse or secret-tool)`);
  return unlocked[0];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function secretText(session: Session, secret: Value): string {
  const [, parameters, value] = secret as [string, Buffer, Buffer, string];
  try {
    return utf8.decode(transfer.decrypt(session.key, parameters, value));
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('Secret Service:')) throw e;
    throw new Error('Secret Service: the stored secret is not UTF-8 text (BadEncoding)', { cause: e });
  }
}

/** The text stored for `key`, or null. */
async function get(key: string): Promise<string | null> {
  const o = open();
  const item = await uniqueItem(o, key);
  if (item === undefined) return null;
  const session = await o.session;
  const reply = await call(o.connection, item, ITEM_IFACE, 'GetSecret', 'o', [session.path]);
  return secretText(session, reply.body[0]!);
}

/** Stores `value` for `key`: the item's secret replaced when there is one, else a new item in the default collection. */
async function set(key: string, value: string): Promise<void> {
  const o = open();
  const alias = call(o.connection, SERVICE_PATH, SERVICE_IFACE, 'ReadAlias', 's', ['default']);
  alias.catch(() => {
    /* awaited below when an item must be created */
  });
  const item = await uniqueItem(o, key);
  const session = await o.session;
  const secret: Value = [session.path, ...transfer.encrypt(session.key, Buffer.from(value, 'utf8')), CONTENT_TYPE];
  if (item !== undefined) {
    await call(o.connection, item, ITEM_IFACE, 'SetSecret', '(oayays)', [secret]);
    return;
  }
  const collection = (await alias).body[0] as string;
  if (collection === '/') throw new Error('Secret Service: there is no default collection to store the item in');
  const properties: [string, Variant][] = [
    ['org.freedesktop.Secret.Item.Label', { sig: 's', value: `keyring:${key}@${SERVICE}` }],
    ['org.freedesktop.Secret.Item.Attributes', { sig: 'a{ss}', value: attributesOf(key) }],
  ];
  const reply = await call(o.connection, collection, 'org.freedesktop.Secret.Collection', 'CreateItem', 'a{sv}(oayays)b', [properties, secret, true]);
  if (reply.body[1] !== '/') throw lockedError();
}

/** Deletes the item of `key`; false when there was none. */
async function remove(key: string): Promise<boolean> {
  const o = open();
  const item = await uniqueItem(o, key);
  if (item === undefined) return false;
  const reply = await call(o.connection, item, ITEM_IFACE, 'Delete', '', []);
  if (reply.body[0] !== '/') throw lockedError();
  return true;
}

interface Credential {
  readonly account: string;
  readonly password: string;
}

/** Every item of the service (SearchItems, then one GetSecrets and each item's attributes, in one write). */
async function all(): Promise<Credential[]> {
  const o = open();
  const { unlocked, locked } = await search(o, undefined);
  if (locked.length > 0) throw lockedError();
  if (unlocked.length === 0) return [];
  const session = await o.session;
  const attributes = unlocked.map((item) =>
    call(o.connection, item, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [ITEM_IFACE, 'Attributes']).then((r) => new Map((r.body[0] as Variant).value as [string, string][])),
  );
  const reply = await call(o.connection, SERVICE_PATH, SERVICE_IFACE, 'GetSecrets', 'aoo', [unlocked, session.path]);
  const byItem = new Map((reply.body[0] as [string, Value][]).map(([path, secret]) => [path, secret] as const));
  const found: Credential[] = [];
  for (const [i, item] of unlocked.entries()) {
    const account = (await attributes[i]!).get('username');
    const secret = byItem.get(item);
    if (account === undefined || secret === undefined) continue;
    found.push({ account, password: secretText(session, secret) });
  }
  return found;
}

export = { get, set, remove, all, drop, counters, options, CALL_LIMIT_MS };
