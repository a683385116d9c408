import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSecretStore, type PassphraseRequest, type ScryptParams } from '../../src/adapters/keychain/file.js';
import { createLockManager } from '../../src/adapters/lock.js';
import { failure } from '../helpers/failure.js';
import { transpileForChildren } from '../helpers/transpile.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
/** Fast parameters for tests; the default (2^14) is measured in its own test. */
const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
let work: string;
let compiled: string;

function fresh() {
  const dir = mkdtempSync(join(work, 't-'));
  const file = join(dir, 'data', 'xacct', 'secrets.enc');
  const asked: PassphraseRequest[] = [];
  const open = (passphrase = 'correct horse', scrypt: ScryptParams = FAST) =>
    createFileSecretStore({
      file,
      lock: createLockManager(join(dir, 'locks')),
      scrypt,
      passphrase: async (req) => {
        asked.push(req);
        return passphrase;
      },
    });
  return { dir, file, asked, open };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'xacct-file-'));
  compiled = join(work, 'compiled');
  await transpileForChildren(['src/adapters/keychain/file.ts', 'src/adapters/lock.ts', 'src/adapters/lock-file.cts', 'src/adapters/pid-alive.cts', 'src/adapters/atomic-file.ts', 'src/core/errors.ts'], compiled);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('file secret store', () => {
  it('round-trips entries, across store instances', async () => {
    const { open } = fresh();
    const store = open();
    expect(store.backend).toBe('file');
    await store.set('source:identity', JSON.stringify({ AccessKeyId: 'AKIAEXAMPLE000000001', SecretAccessKey: SECRET }));
    await store.set('role-session:prod-admin', 'v1');
    await store.set('role-session:prod-admin', 'v2');
    expect(JSON.parse((await store.get('source:identity'))!)).toEqual({ AccessKeyId: 'AKIAEXAMPLE000000001', SecretAccessKey: SECRET });
    const again = open();
    expect(await again.get('role-session:prod-admin')).toBe('v2');
    expect(await again.list()).toEqual(['role-session:prod-admin', 'source:identity']);
    expect(await again.delete('role-session:prod-admin')).toBe(true);
    expect(await again.delete('role-session:prod-admin')).toBe(false);
    expect(await open().list()).toEqual(['source:identity']);
    expect(await open().get('nothing')).toBeNull();
  });

  it('reads "nothing stored" without a file, and without asking for the passphrase', async () => {
    const { open, asked } = fresh();
    const store = open();
    expect(await store.get('source:identity')).toBeNull();
    expect(await store.list()).toEqual([]);
    expect(await store.delete('source:identity')).toBe(false);
    expect(asked).toEqual([]);
  });

  it('asks for the passphrase once per process, saying when the file is being created', async () => {
    const { open, asked, file } = fresh();
    const store = open();
    await store.set('a', '1');
    await store.set('b', '2');
    await store.get('a');
    expect(asked).toEqual([{ file, creating: true }]);
    await open().get('a');
    expect(asked[1]).toEqual({ file, creating: false });
  });

  it('writes the file 0600 in a 0700 folder, with neither secrets nor key names in clear', async () => {
    const { open, file } = fresh();
    await open().set('source:identity', JSON.stringify({ AccessKeyId: 'AKIAEXAMPLE000000001', SecretAccessKey: SECRET }));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const bytes = readFileSync(file);
    for (const clear of [SECRET, 'AKIAEXAMPLE000000001', 'source:identity', 'correct horse']) {
      expect(bytes.includes(Buffer.from(clear))).toBe(false);
      expect(bytes.includes(Buffer.from(clear).toString('base64').slice(0, 12))).toBe(false);
    }
    const envelope = JSON.parse(bytes.toString('utf8'));
    expect(Object.keys(envelope).sort()).toEqual(['data', 'iv', 'kdf', 'tag', 'v']);
    expect(envelope.kdf).toMatchObject({ name: 'scrypt', N: FAST.N, r: 8, p: 1 });
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
  });

  it('uses a fresh IV for every write', async () => {
    const { open, file } = fresh();
    const store = open();
    await store.set('a', '1');
    const first = JSON.parse(readFileSync(file, 'utf8'));
    await store.set('a', '1');
    const second = JSON.parse(readFileSync(file, 'utf8'));
    expect(second.iv).not.toBe(first.iv);
    expect(second.kdf.salt).toBe(first.kdf.salt);
  });

  it('refuses a wrong passphrase with a clear error, not a crash', async () => {
    const { open, file } = fresh();
    await open('right').set('a', '1');
    const err = await failure(open('wrong').get('a'));
    expect(err.message).toBe(`cannot decrypt ${file}: wrong passphrase or corrupt file`);
    expect(err.exitCode).toBe(1);
    await failure(open('wrong').set('b', '2'));
    expect(await open('right').list()).toEqual(['a']);
  });

  it('detects a tampered file: data, tag, or the KDF header', async () => {
    const { open, file } = fresh();
    await open().set('a', 'value');
    const good = readFileSync(file, 'utf8');
    const tamper = (change: (e: { kdf: { N: number }; data: string; tag: string }) => void) => {
      const e = JSON.parse(good) as { kdf: { N: number }; data: string; tag: string };
      change(e);
      writeFileSync(file, JSON.stringify(e));
    };
    tamper((e) => {
      const data = Buffer.from(e.data, 'base64');
      data[0]! ^= 1;
      e.data = data.toString('base64');
    });
    expect((await failure(open().get('a'))).message).toMatch(/wrong passphrase or corrupt file/);
    tamper((e) => (e.tag = Buffer.alloc(16).toString('base64')));
    expect((await failure(open().get('a'))).message).toMatch(/wrong passphrase or corrupt file/);
    tamper((e) => (e.kdf.N = FAST.N * 2));
    expect((await failure(open().get('a'))).message).toMatch(/wrong passphrase or corrupt file/);
  });

  it('refuses a malformed file or absurd KDF parameters without deriving anything', async () => {
    const { open, file, asked } = fresh();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'not json');
    expect((await failure(open().get('a'))).message).toMatch(/corrupt file \(not JSON\)/);
    writeFileSync(file, JSON.stringify({ v: 1, kdf: { name: 'scrypt', salt: 'AAAAAAAAAAAAAAAAAAAAAA==', N: 2 ** 30, r: 8, p: 1 }, iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==', data: '' }));
    expect((await failure(open().get('a'))).message).toMatch(/corrupt file \(bad KDF parameters\)/);
    writeFileSync(file, JSON.stringify({ v: 2 }));
    expect((await failure(open().get('a'))).message).toMatch(/unknown version 2/);
    expect(asked).toEqual([]);
  });

  it('refuses an empty passphrase', async () => {
    const { open } = fresh();
    expect((await failure(open('').set('a', '1'))).message).toMatch(/needs a passphrase/);
  });

  it('derives the key with the default parameters well under a second (about 60 ms measured)', async () => {
    const { open } = fresh();
    const t = performance.now();
    await open('pw', { N: 2 ** 14, r: 8, p: 1 }).set('a', '1');
    expect(performance.now() - t).toBeLessThan(1_000);
  });

  it('keeps every entry when several processes write at once', async () => {
    const { dir, file } = fresh();
    const script = join(dir, 'writer.mjs');
    writeFileSync(
      script,
      `const [lib, lockLib, file, locks, name] = process.argv.slice(2);
const { createFileSecretStore } = await import(lib);
const { createLockManager } = await import(lockLib);
const store = createFileSecretStore({ file, lock: createLockManager(locks, { maxPollMs: 20 }), scrypt: { N: 1024, r: 8, p: 1 }, passphrase: async () => 'pw' });
for (let i = 0; i < 5; i++) await store.set(name + ':' + i, 'value-' + name + '-' + i);
`,
    );
    const writers = ['a', 'b', 'c', 'd'].map((name) =>
      spawn(process.execPath, [script, join(compiled, 'src/adapters/keychain/file.js'), join(compiled, 'src/adapters/lock.js'), file, join(dir, 'locks'), name], {
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    const results = await Promise.all(
      writers.map(
        (w) =>
          new Promise<string>((res) => {
            let err = '';
            w.stderr.on('data', (d: Buffer) => (err += d.toString()));
            w.on('exit', (code) => res(`${code}${err}`));
          }),
      ),
    );
    expect(results).toEqual(['0', '0', '0', '0']);
    const all = await createFileSecretStore({ file, lock: createLockManager(join(dir, 'locks')), passphrase: async () => 'pw' }).list();
    expect(all).toHaveLength(20);
    expect(all).toContain('c:4');
  });
});
