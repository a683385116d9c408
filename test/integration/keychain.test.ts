/**
 * The `os` backend against a real GNOME Keyring in a private D-Bus session, each operation in a process of its
 * own running the built dist/ (as the CLI does).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  keychainEntry,
  makeHome,
  requireEnv,
  run,
  ROOT,
  startEnv,
  startKeyring,
  startSessionBus,
  storeInKeychain,
  type Env,
  type TestEnv,
} from '../helpers/index.js';

const OS_STORE = join(ROOT, 'dist/adapters/keychain/os.js');
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const HINT = 'set XACCT_BACKEND=file to keep secrets in an encrypted file instead';

/** One store operation in a fresh node process; prints the result, or the error, as JSON. */
const CHILD = `
const [lib, op, key, value] = process.argv.slice(2);
const { createOsSecretStore } = await import(lib);
try {
  const store = createOsSecretStore(process.env);
  const result = op === 'set' ? await store.set(key, value) : op === 'list' ? await store.list() : await store[op](key);
  console.log(JSON.stringify({ ok: result ?? null }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, hint: err.hint, exitCode: err.exitCode }));
}
`;

interface OpResult {
  ok?: unknown;
  error?: string;
  hint?: string;
  exitCode?: number;
}

let t: TestEnv;
let childScript: string;

async function storeOp(env: Env, op: 'get' | 'set' | 'delete' | 'list', key = '', value = ''): Promise<OpResult> {
  const r = await run(process.execPath, [childScript, OS_STORE, op, key, value], { env });
  if (r.code !== 0) throw new Error(`store child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as OpResult;
}

const opts = { keyring: true, secretTool: true } as const;

describe.skipIf(!requireEnv(opts, 'keychain tests'))('os secret store on GNOME Keyring', () => {
  beforeAll(async () => {
    if (!existsSync(OS_STORE)) throw new Error(`${OS_STORE} is missing: run npm run build first`);
    t = await startEnv({ keyring: true });
    childScript = t.home.write('op.mjs', CHILD);
  });
  afterAll(() => t?.stop());

  it('sets, gets, lists and deletes across processes, in the real Secret Service', async () => {
    const env = t.env;
    const value = JSON.stringify({ AccessKeyId: 'AKIAEXAMPLE000000001', SecretAccessKey: SECRET });
    expect(await storeOp(env, 'set', 'source:identity', value)).toEqual({ ok: null });
    expect(await storeOp(env, 'set', 'role-session:prod-admin', '{"v":1}')).toEqual({ ok: null });
    expect(await storeOp(env, 'get', 'source:identity')).toEqual({ ok: value });
    expect(await storeOp(env, 'list')).toEqual({ ok: ['role-session:prod-admin', 'source:identity'] });

    expect(await keychainEntry(env, 'source:identity')).toBe(value);

    // Written by another program under the same attributes: seen by xacct.
    await storeInKeychain(env, 'mfa-session:identity', 'from-secret-tool');
    expect(await storeOp(env, 'get', 'mfa-session:identity')).toEqual({ ok: 'from-secret-tool' });

    expect(await storeOp(env, 'delete', 'source:identity')).toEqual({ ok: true });
    expect(await storeOp(env, 'delete', 'source:identity')).toEqual({ ok: false });
    expect(await storeOp(env, 'get', 'source:identity')).toEqual({ ok: null });
    expect(await keychainEntry(env, 'source:identity')).toBeNull();
    expect(await storeOp(env, 'list')).toEqual({ ok: ['mfa-session:identity', 'role-session:prod-admin'] });
  });

  it('fails clearly without a D-Bus session, and never falls back to the kernel keyring', async () => {
    const unset = await storeOp(t.home.env, 'set', 'k', 'v');
    expect(unset).toEqual({ error: 'no OS keychain reachable (Secret Service over D-Bus): DBUS_SESSION_BUS_ADDRESS is not set', hint: HINT, exitCode: 1 });

    const gone = { ...t.home.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${t.home.path('no-such-bus')}` };
    for (const op of ['set', 'get', 'list'] as const) {
      const r = await storeOp(gone, op, 'k', 'v');
      expect(r.error).toMatch(/^no OS keychain reachable \(Secret Service over D-Bus\): .*no-such-bus/);
      expect(r.hint).toBe(HINT);
    }
  });

  it('fails clearly on a bus where no Secret Service runs', async () => {
    const home = makeHome();
    const bus = await startSessionBus(home);
    try {
      const r = await storeOp({ ...home.env, DBUS_SESSION_BUS_ADDRESS: bus.address }, 'get', 'k');
      expect(r.error).toMatch(/^no OS keychain reachable \(Secret Service over D-Bus\): .*org\.freedesktop\.secrets/);
      expect(r.hint).toBe(HINT);
    } finally {
      await bus.stop();
      home.cleanup();
    }
  });

  it('says the keychain is locked when it is', async () => {
    const home = makeHome();
    const keyring = await startKeyring(home);
    const env = { ...home.env, ...keyring.env };
    try {
      expect(await storeOp(env, 'set', 'source:identity', 'x')).toEqual({ ok: null });
      await keyring.lock();
      for (const op of ['get', 'set', 'delete', 'list'] as const) {
        const r = await storeOp(env, op, 'source:identity', 'y');
        expect(r.error, op).toMatch(/^the keychain is locked; unlock it/);
        expect(r.hint).toBe(HINT);
        expect(r.exitCode).toBe(1);
      }
      await keyring.unlock();
      expect(await storeOp(env, 'get', 'source:identity')).toEqual({ ok: 'x' });
    } finally {
      await keyring.stop();
      home.cleanup();
    }
  });
});
