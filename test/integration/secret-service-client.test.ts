/**
 * xacct's own Secret Service client (secret-service-client.cts) against a real GNOME Keyring on a private bus, side
 * by side with the keyring binding it replaces on Linux and with `secret-tool` (libsecret): each reads what the
 * others write, item for item the same; several items for one key and a locked collection fail as the binding's
 * calls do, without a prompt; a bus address the client does not take falls back to the binding.
 */
import { AsyncEntry } from '@napi-rs/keyring';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Only through secret-service.cjs, as xacct calls it: it holds the process's one client (a test that imported the
// client's own file could get a second instance of it, with its own connection).
import keychain from '../../src/adapters/keychain/secret-service.cjs';
import { countCalls, keychainEntry, makeHome, requireEnv, requireTools, run, startKeyring, type Env, type Keyring, type TestHome } from '../helpers/index.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ✓ "quoted"\n';

/** The label and attributes `secret-tool search --all service xacct username <key>` shows of each matching item. */
async function itemsOf(env: Env, key: string): Promise<Record<string, string>[]> {
  const r = await run('secret-tool', ['search', '--all', '--unlock', 'service', 'xacct', 'username', key], { env });
  const items: Record<string, string>[] = [];
  // secret-tool ends its schema line without a newline; its attribute lines follow it directly.
  for (const line of `${r.stdout}\n${r.stderr}`.replace(/(\S)(attribute\.[\w:]+ = )/g, '$1\n$2').split('\n')) {
    if (/^\[\/.*\]$/.test(line)) items.push({});
    const m = /^(label|attribute\.[\w:]+) = (.*)$/.exec(line);
    if (m && items.length) items[items.length - 1]![m[1]!] = m[2]!;
  }
  return items;
}

/** Every attribute of the one item of `key`, as the Secret Service holds them ([name, value, …]), read with dbus-send. */
async function attributesOf(env: Env, key: string): Promise<string[]> {
  const send = (path: string, method: string, ...args: string[]) =>
    run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', path, method, ...args], { env }).then((r) => r.stdout);
  const found = await send('/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.SearchItems', `dict:string:string:service,xacct,username,${key}`);
  const paths = [...found.matchAll(/object path "([^"]+)"/g)].map((m) => m[1]!);
  expect(paths).toHaveLength(1);
  const attributes = await send(paths[0]!, 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Item', 'string:Attributes');
  return [...attributes.matchAll(/string "([^"]*)"/g)].map((m) => m[1]!);
}

/**
 * The binding's own entry for `key`. Its calls have libdbus's 2 s and no retry of their own: one that a daemon busy
 * with parallel test files lets pass is tried again (twice at most), as xacct's own calls are.
 */
const bindingEntry = (key: string) => {
  const entry = new AsyncEntry('xacct', key, { linux: { store: 'secret-service' } });
  const retried = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (attempt === 3 || !/Did not receive a reply/.test(String(err))) throw err;
      }
    }
  };
  return {
    setPassword: (value: string) => retried(() => entry.setPassword(value)),
    getPassword: () => retried(() => entry.getPassword()),
    deleteCredential: () => retried(() => entry.deleteCredential()),
  };
};

describe.skipIf(!requireEnv({ keyring: true, secretTool: true }, 'Secret Service client tests') || !requireTools(['dbus-monitor'], 'Secret Service client tests'))('xacct\u2019s own Secret Service client', () => {
  let home: TestHome;
  let keyring: Keyring;
  let env: Env;
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;

  beforeAll(async () => {
    home = makeHome();
    keyring = await startKeyring(home, undefined, { tcp: true, abstract: true });
    env = { ...home.env, ...keyring.env };
    process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
  });
  afterEach(() => {
    process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
  });
  afterAll(async () => {
    process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    await keyring?.stop();
    home?.cleanup();
  });

  it('reads what the binding wrote; the binding and secret-tool read what it wrote; the items are the same', async () => {
    await bindingEntry('interop:binding').setPassword(`${SECRET}1`);
    expect(await keychain.getPassword('interop:binding')).toBe(`${SECRET}1`);

    await keychain.setPassword('interop:client', `${SECRET}2`);
    expect(await bindingEntry('interop:client').getPassword()).toBe(`${SECRET}2`);
    expect(await keychainEntry(env, 'interop:client')).toBe(`${SECRET}2`);

    const shape = (key: string) => [{ label: `keyring:${key}@xacct`, 'attribute.service': 'xacct', 'attribute.username': key }];
    expect(await itemsOf(env, 'interop:binding')).toEqual(shape('interop:binding'));
    expect(await itemsOf(env, 'interop:client')).toEqual(shape('interop:client'));
    // All their attributes alike. GNOME Keyring adds `xdg:schema org.freedesktop.Secret.Generic` itself to an item
    // it has read back from its keyring file, which it may do for one item and not yet for the other (seen once in a
    // full suite): that pair is the daemon's, not either writer's, and is left out of the comparison.
    const written = async (key: string) => {
      const pairs = (await attributesOf(env, key)).map((a) => (a === key ? '<key>' : a));
      const at = pairs.findIndex((a, i) => i % 2 === 0 && a === 'xdg:schema' && pairs[i + 1] === 'org.freedesktop.Secret.Generic');
      return at < 0 ? pairs : [...pairs.slice(0, at), ...pairs.slice(at + 2)];
    };
    const bindings = await written('interop:binding');
    expect(bindings).toEqual(['service', 'xacct', 'username', '<key>']);
    expect(await written('interop:client')).toEqual(bindings);

    // Each replaces the other's secret in place: still one item per key.
    await keychain.setPassword('interop:binding', `${SECRET}3`);
    await bindingEntry('interop:client').setPassword(`${SECRET}4`);
    expect(await bindingEntry('interop:binding').getPassword()).toBe(`${SECRET}3`);
    expect(await keychain.getPassword('interop:client')).toBe(`${SECRET}4`);
    expect(await itemsOf(env, 'interop:binding')).toHaveLength(1);
    expect(await itemsOf(env, 'interop:client')).toHaveLength(1);

    const all = new Map((await keychain.findAll()).map((c) => [c.account, c.password]));
    expect(all.get('interop:binding')).toBe(`${SECRET}3`);
    expect(all.get('interop:client')).toBe(`${SECRET}4`);

    expect(await keychain.deletePassword('interop:binding')).toBe(true);
    expect(await bindingEntry('interop:binding').getPassword()).toBeNull();
    expect(await bindingEntry('interop:client').deleteCredential()).toBe(true);
    expect(await keychain.getPassword('interop:client')).toBeNull();
    expect(await keychain.deletePassword('interop:client')).toBe(false);
  });

  it('several items for one key: read, write and delete fail as the binding does; list returns them all', async () => {
    await keychain.setPassword('twice', 'first');
    // A second item with the same service and username (and one more attribute), as another program may make.
    const r = await run('secret-tool', ['store', '--label', 'other', 'service', 'xacct', 'username', 'twice', 'origin', 'elsewhere'], { env, input: 'second' });
    expect(r.code, r.stderr).toBe(0);
    await expect(bindingEntry('twice').getPassword()).rejects.toThrow(/matched by 2 credentials/);
    for (const call of [() => keychain.getPassword('twice'), () => keychain.setPassword('twice', 'x'), () => keychain.deletePassword('twice')]) {
      const failure = await call().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(keychain.KeychainFailure);
      expect(failure).toMatchObject({ kind: 'failed', message: 'Secret Service: 2 items match "twice" (Ambiguous: remove all but one, e.g. with seahorse or secret-tool)' });
    }
    expect((await keychain.findAll()).filter((c) => c.account === 'twice').map((c) => c.password).sort()).toEqual(['first', 'second']);
    await run('secret-tool', ['clear', 'service', 'xacct', 'username', 'twice'], { env });
  });

  it('a locked collection: every call fails at once as "locked", and nothing asks to unlock it', async () => {
    await keychain.setPassword('locked:key', 'value');
    await keyring.lock();
    try {
      const calls = await countCalls(env, ['Unlock', 'Prompt', 'Dismiss'], async () => {
        for (const call of [() => keychain.getPassword('locked:key'), () => keychain.setPassword('locked:key', 'x'), () => keychain.deletePassword('locked:key'), () => keychain.findAll()]) {
          const started = Date.now();
          const failure = await call().catch((e: unknown) => e);
          expect(failure).toMatchObject({ kind: 'locked', tries: 1 });
          expect(Date.now() - started).toBeLessThan(2_000);
        }
      });
      expect(calls).toEqual({ Unlock: 0, Prompt: 0, Dismiss: 0 });
    } finally {
      await keyring.unlock(); // restarts the daemon: the next call meets a session that is gone, and opens a new one
    }
    const { sessions } = keychain.stats;
    expect(await keychain.getPassword('locked:key')).toBe('value');
    expect(keychain.stats.sessions).toBe(sessions + 1);
  });

  it('of several addresses, the first unix:path= one (after tcp: and unix:abstract=, which it does not take): one session', async () => {
    expect(keyring.abstractAddress).toMatch(/^unix:abstract=/);
    await keychain.setPassword('several:one', 'one');
    await keychain.setPassword('several:two', 'two');
    process.env.DBUS_SESSION_BUS_ADDRESS = `${keyring.tcpAddress};${keyring.abstractAddress};${keyring.env.DBUS_SESSION_BUS_ADDRESS}`;
    expect(await countCalls(env, ['OpenSession', 'Hello'], async () => {
      keychain.drop();
      expect([await keychain.getPassword('several:one'), await keychain.getPassword('several:two')]).toEqual(['one', 'two']);
    })).toEqual({ OpenSession: 1, Hello: 1 });
  });

  it.each([['tcp:', 'tcpAddress'], ['unix:abstract=', 'abstractAddress']] as const)('a bus address it does not take (%s) goes to the binding, which reads and writes the same items', async (_, which) => {
    expect(keyring[which]).toBeDefined();
    await keychain.setPassword(`fallback:${which}:one`, 'over unix');
    await keychain.setPassword(`fallback:${which}:two`, 'over unix');
    const readBoth = async () => [await keychain.getPassword(`fallback:${which}:one`), await keychain.getPassword(`fallback:${which}:two`)];
    // The client reads both keys over the process's one session; the binding opens one session per key.
    expect(await countCalls(env, ['OpenSession'], async () => {
      keychain.drop();
      expect(await readBoth()).toEqual(['over unix', 'over unix']);
    })).toEqual({ OpenSession: 1 });
    process.env.DBUS_SESSION_BUS_ADDRESS = keyring[which];
    expect(await countCalls(env, ['OpenSession'], async () => {
      expect(await readBoth()).toEqual(['over unix', 'over unix']);
      await keychain.setPassword(`fallback:${which}:one`, `over ${which}`);
    })).toEqual({ OpenSession: 2 });
    process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
    expect(await keychain.getPassword(`fallback:${which}:one`)).toBe(`over ${which}`);
    await keychain.setPassword(`fallback:${which}:one`, 'over unix');
  });
});
