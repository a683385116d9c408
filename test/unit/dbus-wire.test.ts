/**
 * D-Bus marshalling (dbus-wire.cts, dbus-message.cts) and the Secret Service's key exchange framing
 * (secret-service-session.cts): fixed vectors worked out by hand from the specification, a big-endian reply, a
 * property test of every supported type nested at random, and the bus addresses the client takes.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import busAddress from '../../src/adapters/keychain/dbus-address.cjs';
import message from '../../src/adapters/keychain/dbus-message.cjs';
import wire from '../../src/adapters/keychain/dbus-wire.cjs';
import transfer from '../../src/adapters/keychain/secret-service-session.cjs';
import type { Value } from '../../src/adapters/keychain/dbus-types.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('D-Bus messages', () => {
  it('encodes a method call as the specification lays it out (header fields, padding, body)', () => {
    const m = message.encodeMessage({ type: 1, serial: 7, path: '/a', member: 'M', destination: 'd', signature: 'ys', body: [1, 'x'] });
    expect(m.toString('hex')).toBe(
      hex(`
        6c 01 00 01  0a000000  07000000  38000000
        01 01 6f 00  02000000 2f 61 00 00 00 00 00 00
        03 01 73 00  01000000 4d 00 00 00 00 00 00 00
        06 01 73 00  01000000 64 00 00 00 00 00 00 00
        08 01 67 00  02 79 73 00
        01 00 00 00  01000000 78 00`).toString('hex'),
    );
  });

  it('pads an array to the alignment of its elements, even an empty one', () => {
    const body = (sig: string, v: Value) => {
      const w = new wire.Writer();
      wire.writeValue(w, sig, v);
      return w.result().toString('hex');
    };
    expect(body('a(y)', [[2]])).toBe('01000000' + '00000000' + '02');
    expect(body('a{sv}', [])).toBe('00000000' + '00000000');
    expect(body('ay', Buffer.from([7]))).toBe('01000000' + '07');
    expect(body('(yv)', [1, { sig: 'i', value: -2 }])).toBe('01' + '0169' + '00' + 'feffffff');
  });

  it('reads a big-endian reply', () => {
    // REPLY_SERIAL u 5, SIGNATURE g "s", body s "hi".
    const be = hex(`
      42 02 00 01  00000007  00000009  0000000f
      05 01 75 00  00000005  08 01 67 00 01 73 00 00
      00000002 68 69 00`);
    expect(message.messageLength(be)).toBe(be.length);
    expect(message.decodeMessage(be)).toMatchObject({ type: 2, serial: 9, replySerial: 5, signature: 's', body: ['hi'] });
  });

  it('refuses what it cannot read instead of guessing', () => {
    expect(() => wire.splitSignature('a{vs}')).toThrow(/bad container/);
    expect(() => wire.splitSignature('(')).toThrow(/not closed/);
    expect(() => wire.splitSignature('t')).toThrow(/not supported/);
    expect(() => message.encodeMessage({ type: 1, serial: 1, path: 'no/slash', member: 'M' })).toThrow(/object path/);
    const good = message.encodeMessage({ type: 2, serial: 1, replySerial: 1, signature: 's', body: ['abc'] });
    expect(() => message.decodeMessage(good.subarray(0, good.length - 2))).toThrow(/truncated/);
  });
});

/** Byte arrays as hex, so that Buffers from the module's realm and the test's compare by content. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** A signature of one complete type, and a value of it. */
type Case = { sig: string; value: Value };
const basic: Record<string, fc.Arbitrary<Value>> = {
  y: fc.integer({ min: 0, max: 255 }),
  b: fc.boolean(),
  u: fc.integer({ min: 0, max: 0xffffffff }),
  i: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  s: fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0')),
  o: fc.array(fc.stringMatching(/^[A-Za-z0-9_]{1,6}$/), { maxLength: 3 }).map((p) => (p.length ? `/${p.join('/')}` : '/')),
  g: fc.constantFrom('', 's', 'a{sv}', '(oayays)', 'aai'),
};
const basicCase: fc.Arbitrary<Case> = fc.constantFrom(...Object.keys(basic)).chain((sig) => basic[sig]!.map((value) => ({ sig, value })));

const { tree } = fc.letrec<{ tree: Case }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    basicCase,
    fc.uint8Array({ maxLength: 9 }).map((b) => ({ sig: 'ay', value: Buffer.from(b) })),
    tie('tree').map((c) => ({ sig: 'v', value: { sig: c.sig, value: c.value } })),
    fc.array(tie('tree'), { minLength: 1, maxLength: 4 }).map((cs) => ({ sig: `(${cs.map((c) => c.sig).join('')})`, value: cs.map((c) => c.value) })),
    // An array holds values of one type: copies of one generated element (or none, to test empty arrays' padding).
    fc.tuple(tie('tree'), fc.integer({ min: 0, max: 3 })).map(([c, n]) => {
      const items = Array.from({ length: n }, () => c.value);
      return { sig: `a${c.sig}`, value: c.sig === 'y' ? Buffer.from(items as number[]) : items };
    }),
    fc.tuple(basicCase, tie('tree'), fc.integer({ min: 0, max: 3 })).map(([k, v, n]) => ({ sig: `a{${k.sig}${v.sig}}`, value: Array.from({ length: n }, () => [k.value, v.value]) })),
  ),
}));

describe('D-Bus values, property', () => {
  it('every supported type, nested at random after a byte that misaligns it, reads back as written', () => {
    let reached = 0;
    let nested = 0;
    let variants = 0;
    let emptyArrays = 0;
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 255 }), (c, lead) => {
        if (c.sig.length > 255) return; // the specification's limit for a signature
        const m = message.encodeMessage({ type: 2, serial: 3, replySerial: 2, signature: `y${c.sig}`, body: [lead, c.value] });
        const back = message.decodeMessage(m);
        reached++;
        if (/[a({]/.test(c.sig)) nested++;
        if (c.sig.includes('v')) variants++;
        if (/a/.test(c.sig) && JSON.stringify(c.value).includes('[]')) emptyArrays++;
        expect(back.signature).toBe(`y${c.sig}`);
        expect(plain(back.body)).toEqual(plain([lead, c.value]));
      }),
      { numRuns: 400 },
    );
    // The generator reaches the assertion, with containers, variants and empty arrays among the cases.
    expect(reached).toBeGreaterThan(380);
    expect(nested).toBeGreaterThan(150);
    expect(variants).toBeGreaterThan(40);
    expect(emptyArrays).toBeGreaterThan(10);
  });
});

describe('bus addresses', () => {
  it('takes the first unix:path= address, unescaped, and nothing else', () => {
    expect(busAddress.supportedTarget('unix:path=/run/user/1000/bus')).toEqual({ path: '/run/user/1000/bus' });
    expect(busAddress.supportedTarget('tcp:host=localhost,port=1;unix:abstract=/tmp/dbus-X,guid=1;unix:path=/a%20b')).toEqual({ path: '/a b' });
    expect(busAddress.supportedTarget('unix:path=/a;unix:path=/b')?.path).toBe('/a');
    for (const unsupported of [undefined, '', 'tcp:host=localhost,port=1', 'unix:abstract=/tmp/dbus-X', 'unix:tmpdir=/tmp', 'launchd:env=X', 'unix:path=/a,abstract=b', 'unix:path=%zz']) {
      expect(busAddress.supportedTarget(unsupported)).toBeUndefined();
    }
  });
});

describe('the Secret Service key exchange (dh-ietf1024-sha256-aes128-cbc-pkcs7)', () => {
  it('puts a raw public value into the SPKI that node:crypto takes, and agrees on one AES key from both sides', () => {
    for (let i = 0; i < 4; i++) {
      const a = transfer.offer();
      const b = transfer.offer();
      const key = a.agree(b.publicValue);
      expect(key).toHaveLength(16);
      expect(b.agree(a.publicValue).equals(key)).toBe(true);
      const [iv, sealed] = transfer.encrypt(key, Buffer.from('wJalrXUtnFEMI/K7MDENG'));
      expect(transfer.decrypt(key, iv, sealed).toString()).toBe('wJalrXUtnFEMI/K7MDENG');
      // A wrong key: the padding check fails and the error names no value, or (about 1 in 256 keys) the padding
      // happens to be valid and the text is garbage; never the secret.
      let wrong: string | undefined;
      try {
        wrong = transfer.decrypt(crypto.randomBytes(16), iv, sealed).toString();
      } catch (e) {
        expect(String(e)).toMatch(/^Error: Secret Service: a secret could not be decrypted \(the session keys do not agree\)$/);
      }
      expect(wrong).not.toBe('wJalrXUtnFEMI/K7MDENG');
    }
  });

  it('refuses a public value that is no number of the group', () => {
    const a = transfer.offer();
    expect(() => a.agree(Buffer.alloc(0))).toThrow(/malformed public key/);
    expect(() => a.agree(Buffer.alloc(129, 1))).toThrow(/malformed public key/);
    expect(() => a.agree(Buffer.from([1]))).toThrow();
  });
});
