/**
 * D-Bus message framing (the specification's "Message Format"): the fixed header, the header fields a(yv), and the
 * body after an 8-byte boundary. Written little-endian; read in either byte order.
 */
import wire = require('./dbus-wire.cjs');
import type { Message, Outgoing, Variant, Value } from './dbus-types.js';

const MESSAGE_TYPE = { call: 1, reply: 2, error: 3, signal: 4 } as const;
const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8 } as const;
const FIELD_NAMES: Record<number, string> = Object.fromEntries(Object.entries(FIELD).map(([k, v]) => [v, k]));

/** One message, little-endian, header and body. */
function encodeMessage(m: Outgoing): Buffer {
  const signature = m.signature ?? '';
  const types = wire.splitSignature(signature);
  const body = new wire.Writer();
  (m.body ?? []).forEach((v, i) => wire.writeValue(body, types[i] ?? '', v));
  if (types.length !== (m.body ?? []).length) throw new Error(`D-Bus body does not match signature "${signature}"`);

  const fields: [number, Variant][] = [];
  const header: [number, string, string | number | undefined][] = [
    [FIELD.path, 'o', m.path],
    [FIELD.interface, 's', m.interface],
    [FIELD.member, 's', m.member],
    [FIELD.errorName, 's', m.errorName],
    [FIELD.replySerial, 'u', m.replySerial],
    [FIELD.destination, 's', m.destination],
    [FIELD.signature, 'g', signature || undefined],
  ];
  for (const [code, sig, value] of header) if (value !== undefined) fields.push([code, { sig, value }]);

  const w = new wire.Writer();
  w.bytes(Buffer.from([0x6c, m.type, m.flags ?? 0, 1]));
  w.u32(body.length);
  w.u32(m.serial);
  wire.writeValue(w, 'a(yv)', fields);
  w.align(8);
  w.bytes(body.result());
  if (w.length > wire.MAX_MESSAGE) throw new Error('D-Bus message too long');
  return Buffer.from(w.result());
}

/** The length of the message at the start of `buf`, or undefined while its fixed header is incomplete. */
function messageLength(buf: Buffer): number | undefined {
  if (buf.length < 16) return undefined;
  const little = buf[0] === 0x6c;
  if (!little && buf[0] !== 0x42) throw new Error('D-Bus message with an unknown byte order');
  const body = little ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fields = little ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const total = 16 + fields + ((8 - (fields % 8)) % 8) + body;
  if (total > wire.MAX_MESSAGE) throw new Error('D-Bus message too long');
  return total;
}

/** One whole message (as long as messageLength says); the body is read only with `withBody`. */
function decodeMessage(buf: Buffer, withBody = true): Message {
  const little = buf[0] === 0x6c;
  const total = messageLength(buf);
  if (total === undefined || buf.length < total) throw new Error('D-Bus message truncated');
  if (buf[3] !== 1) throw new Error('D-Bus protocol version not supported');
  const r = new wire.Reader(buf, 4, little, total);
  const bodyLength = r.u32();
  const serial = r.u32();
  const header: Record<string, string | number> = {};
  for (const field of wire.readValue(r, 'a(yv)', 0) as [number, Variant][]) {
    const name = FIELD_NAMES[field[0]];
    if (name) header[name] = field[1].value as string | number;
  }
  r.align(8);
  const signature = typeof header.signature === 'string' ? header.signature : '';
  const body: Value[] = [];
  if (withBody) {
    const end = r.at + bodyLength;
    for (const t of wire.splitSignature(signature)) body.push(wire.readValue(r, t, 0));
    if (r.at !== end) throw new Error('D-Bus body does not match its signature');
  }
  return { ...header, type: buf[1]!, flags: buf[2]!, serial, signature, body } as Message;
}

export = { MESSAGE_TYPE, encodeMessage, decodeMessage, messageLength };
