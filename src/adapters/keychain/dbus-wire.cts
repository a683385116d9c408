/**
 * D-Bus values on the wire (the specification's "Type System" and marshalling), for only the types the Secret Service
 * needs: y b u i s o g v, arrays (a), structs (()) and dict entries ({}). Messages are written little-endian;
 * big-endian ones are read too. Values:
 *  y u i → number; b → boolean; s o g → string; ay → Buffer; other arrays → arrays; a struct or a dict entry →
 *  an array of its members ([key, value] for a dict entry); v → { sig, value }.
 * Alignment is counted from the start of the message (the body starts on an 8-byte boundary, so a body's own
 * offsets align the same way).
 */

import type { Value, Variant } from './dbus-types.js';

/** The specification's limits: a message of at most 128 MiB, arrays of at most 64 MiB. */
const MAX_MESSAGE = 128 * 1024 * 1024;
const MAX_ARRAY = 64 * 1024 * 1024;

/** The end (exclusive) of the one complete type that starts at `at` in `sig`. */
function typeEnd(sig: string, at: number): number {
  const c = sig[at];
  if (c === undefined) throw new Error(`D-Bus signature "${sig}" ends early`);
  if ('ybuisogv'.includes(c)) return at + 1;
  if (c === 'a') return typeEnd(sig, at + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let i = at + 1;
    let members = 0;
    while (sig[i] !== close) {
      if (sig[i] === undefined) throw new Error(`D-Bus signature "${sig}" is not closed`);
      i = typeEnd(sig, i);
      members++;
    }
    if (members === 0 || (c === '{' && (members !== 2 || sig[at - 1] !== 'a' || !'ybuisog'.includes(sig[at + 1]!)))) {
      throw new Error(`D-Bus signature "${sig}" has a bad container at ${at}`);
    }
    return i + 1;
  }
  throw new Error(`D-Bus type "${c}" is not supported`);
}

/** The complete types of a signature, in order. */
function splitSignature(sig: string): string[] {
  const types: string[] = [];
  for (let i = 0; i < sig.length; ) {
    const end = typeEnd(sig, i);
    types.push(sig.slice(i, end));
    i = end;
  }
  return types;
}

function alignmentOf(c: string): number {
  if (c === 'y' || c === 'g' || c === 'v') return 1;
  if (c === '(' || c === '{') return 8;
  return 4;
}

class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  byte(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }
  u32(v: number, signed = false): void {
    this.align(4);
    this.room(4);
    if (signed) this.buf.writeInt32LE(v, this.length);
    else this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  setU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeString(w: Writer, s: string, small: boolean): void {
  if (s.includes('\0')) throw new Error('a D-Bus string cannot hold a NUL character');
  const b = Buffer.from(s, 'utf8');
  if (small) {
    if (b.length > 255) throw new Error('a D-Bus signature is at most 255 bytes');
    w.byte(b.length);
  } else w.u32(b.length);
  w.bytes(b);
  w.byte(0);
}

const OBJECT_PATH = /^\/$|^(\/[A-Za-z0-9_]+)+$/;

function writeValue(w: Writer, type: string, v: Value): void {
  const c = type[0]!;
  switch (c) {
    case 'y':
      return w.byte(v as number);
    case 'b':
      return w.u32(v ? 1 : 0);
    case 'u':
      return w.u32(v as number);
    case 'i':
      return w.u32(v as number, true);
    case 'o':
      if (!OBJECT_PATH.test(v as string)) throw new Error('not a D-Bus object path');
      return writeString(w, v as string, false);
    case 's':
      return writeString(w, v as string, false);
    case 'g':
      splitSignature(v as string);
      return writeString(w, v as string, true);
    case 'v': {
      const { sig, value } = v as Variant;
      if (splitSignature(sig).length !== 1) throw new Error('a D-Bus variant holds one complete type');
      writeString(w, sig, true);
      return writeValue(w, sig, value);
    }
    case 'a': {
      const element = type.slice(1);
      w.u32(0);
      const lengthAt = w.length - 4;
      w.align(alignmentOf(element[0]!));
      const start = w.length;
      if (element === 'y') w.bytes(v as Buffer);
      else for (const item of v as readonly Value[]) writeValue(w, element, item);
      w.setU32(lengthAt, w.length - start);
      return;
    }
    case '(':
    case '{': {
      w.align(8);
      const members = splitSignature(type.slice(1, -1));
      const values = v as readonly Value[];
      if (values.length !== members.length) throw new Error(`D-Bus ${type} needs ${members.length} members`);
      members.forEach((m, i) => writeValue(w, m, values[i]!));
      return;
    }
  }
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
    private readonly little: boolean,
    private readonly end: number,
  ) {}
  private need(n: number): void {
    if (this.at + n > this.end) throw new Error('D-Bus message truncated');
  }
  align(n: number): void {
    const pad = (n - (this.at % n)) % n;
    this.need(pad);
    this.at += pad;
  }
  byte(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }
  u32(signed = false): number {
    this.align(4);
    this.need(4);
    const b = this.buf;
    const v = signed ? (this.little ? b.readInt32LE(this.at) : b.readInt32BE(this.at)) : this.little ? b.readUInt32LE(this.at) : b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  slice(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  string(small: boolean): string {
    const n = small ? this.byte() : this.u32();
    const s = this.slice(n).toString('utf8');
    if (this.byte() !== 0) throw new Error('D-Bus string not terminated');
    return s;
  }
}

function readValue(r: Reader, type: string, depth: number): Value {
  if (depth > 64) throw new Error('D-Bus value nested too deep');
  const c = type[0]!;
  switch (c) {
    case 'y':
      return r.byte();
    case 'b': {
      const v = r.u32();
      if (v > 1) throw new Error('D-Bus boolean out of range');
      return v === 1;
    }
    case 'u':
      return r.u32();
    case 'i':
      return r.u32(true);
    case 's':
    case 'o':
      return r.string(false);
    case 'g':
      return r.string(true);
    case 'v': {
      const sig = r.string(true);
      if (splitSignature(sig).length !== 1) throw new Error('D-Bus variant with a bad signature');
      return { sig, value: readValue(r, sig, depth + 1) };
    }
    case 'a': {
      const element = type.slice(1);
      const n = r.u32();
      if (n > MAX_ARRAY) throw new Error('D-Bus array too long');
      r.align(alignmentOf(element[0]!));
      if (element === 'y') return Buffer.from(r.slice(n));
      const end = r.at + n;
      const items: Value[] = [];
      while (r.at < end) items.push(readValue(r, element, depth + 1));
      if (r.at !== end) throw new Error('D-Bus array length does not match its elements');
      return items;
    }
    case '(':
    case '{':
      r.align(8);
      return splitSignature(type.slice(1, -1)).map((m) => readValue(r, m, depth + 1));
  }
  throw new Error(`D-Bus type "${c}" is not supported`);
}

export = { Writer, Reader, writeValue, readValue, splitSignature, MAX_MESSAGE };
