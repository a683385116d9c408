/**
 * The Secret Service's transfer encryption, "dh-ietf1024-sha256-aes128-cbc-pkcs7" (the specification's
 * "Transfer of Secrets"), as libsecret and the keyring binding use it, from node:crypto only: a Diffie-Hellman
 * exchange in the 1024-bit IKE group 2 (OpenSSL's modp2), HKDF-SHA256 of the shared value (left-padded to the
 * prime's 128 bytes, as libsecret does) with no salt and no info into a 16-byte key, then AES-128-CBC with PKCS#7
 * padding and a random IV per secret.
 *
 * The daemon's public value travels as raw big-endian bytes; node:crypto takes and gives keys as SPKI DER. So the
 * raw value is read out of our own key's SPKI, and the daemon's value is put into a copy of it (same algorithm
 * and group parameters, only the public number differs): DER framing only, no arithmetic of our own.
 */
import crypto = require('node:crypto');

const ALGORITHM = 'dh-ietf1024-sha256-aes128-cbc-pkcs7';
const PRIME_BYTES = 128;

interface Tlv {
  readonly tag: number;
  /** Where the whole element starts, where its content starts, and where it ends. */
  readonly at: number;
  readonly content: number;
  readonly end: number;
}

function tlv(der: Buffer, at: number): Tlv {
  const tag = der[at];
  let length = der[at + 1];
  let content = at + 2;
  if (tag === undefined || length === undefined) throw new Error('bad DER');
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n < 1 || n > 3) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (der[content + i] ?? 0);
    content += n;
  }
  const end = content + length;
  if (end > der.length) throw new Error('bad DER: truncated');
  return { tag, at, content, end };
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

function der(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** The algorithm identifier and the public number of a DH key's SPKI DER: SEQUENCE { algorithm, BIT STRING { INTEGER } }. */
function spkiParts(spki: Buffer): { algorithm: Buffer; publicValue: Buffer } {
  const outer = tlv(spki, 0);
  const algorithm = tlv(spki, outer.content);
  const bits = tlv(spki, algorithm.end);
  if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bits.tag !== 0x03 || spki[bits.content] !== 0) throw new Error('unexpected DH public key encoding');
  const integer = tlv(spki, bits.content + 1);
  if (integer.tag !== 0x02) throw new Error('unexpected DH public key encoding');
  let value = spki.subarray(integer.content, integer.end);
  while (value.length > 1 && value[0] === 0) value = value.subarray(1);
  return { algorithm: spki.subarray(algorithm.at, algorithm.end), publicValue: value };
}

/** An SPKI DER with `algorithm` and the raw big-endian public number `value`. */
function spkiWith(algorithm: Buffer, value: Buffer): Buffer {
  let v = value;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  if (v.length === 0 || v.length > PRIME_BYTES) throw new Error('the Secret Service sent a malformed public key');
  const integer = der(0x02, (v[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), v]) : v);
  return der(0x30, Buffer.concat([algorithm, der(0x03, Buffer.concat([Buffer.from([0]), integer]))]));
}

/** One side of the exchange: our key pair, and the raw public value that goes into OpenSession. */
interface Offer {
  readonly publicValue: Buffer;
  /** The AES key agreed with the daemon's public value (its OpenSession output). */
  agree(daemonValue: Buffer): Buffer;
}

function offer(): Offer {
  // @types/node 20 lacks the 'dh' overload that Node has had since 15.
  const generate = crypto.generateKeyPairSync as unknown as (type: 'dh', options: { group: string }) => crypto.KeyPairKeyObjectResult;
  const { publicKey, privateKey } = generate('dh', { group: 'modp2' });
  const { algorithm, publicValue } = spkiParts(publicKey.export({ type: 'spki', format: 'der' }));
  return {
    publicValue,
    agree(daemonValue) {
      const peer = crypto.createPublicKey({ key: spkiWith(algorithm, daemonValue), format: 'der', type: 'spki' });
      const shared = crypto.diffieHellman({ privateKey, publicKey: peer });
      const ikm = shared.length < PRIME_BYTES ? Buffer.concat([Buffer.alloc(PRIME_BYTES - shared.length), shared]) : shared;
      return Buffer.from(crypto.hkdfSync('sha256', ikm, Buffer.alloc(0), Buffer.alloc(0), 16));
    },
  };
}

/** A secret for the daemon: [IV, ciphertext]; with no key (a "plain" session) the value as it is. */
function encrypt(key: Buffer | undefined, plain: Buffer): [Buffer, Buffer] {
  if (!key) return [Buffer.alloc(0), plain];
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-128-cbc', key, iv);
  return [iv, Buffer.concat([cipher.update(plain), cipher.final()])];
}

function decrypt(key: Buffer | undefined, iv: Buffer, value: Buffer): Buffer {
  if (!key) return value;
  try {
    const decipher = crypto.createDecipheriv('aes-128-cbc', key, iv);
    return Buffer.concat([decipher.update(value), decipher.final()]);
  } catch {
    // Never the value, nor OpenSSL's words about it.
    throw new Error('Secret Service: a secret could not be decrypted (the session keys do not agree)');
  }
}

export = { ALGORITHM, offer, encrypt, decrypt, spkiParts, spkiWith };
