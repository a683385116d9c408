import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend, openSecretStore } from '../../src/adapters/keychain/index.js';
import { keychainError } from '../../src/adapters/keychain/os.js';
import keychain from '../../src/adapters/keychain/secret-service.cjs';
import { ConfigError, XacctError } from '../../src/core/errors.js';

let home: string;
beforeAll(() => (home = mkdtempSync(join(tmpdir(), 'xacct-index-'))));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('chooseBackend', () => {
  it('takes XACCT_BACKEND over the profile map, and defaults to os', () => {
    expect(chooseBackend({})).toBe('os');
    expect(chooseBackend({}, 'file')).toBe('file');
    expect(chooseBackend({ XACCT_BACKEND: 'os' }, 'file')).toBe('os');
    expect(chooseBackend({ XACCT_BACKEND: 'file' })).toBe('file');
    expect(chooseBackend({ XACCT_BACKEND: '' }, 'file')).toBe('file');
  });

  it('refuses any other XACCT_BACKEND as a configuration error (exit 2)', () => {
    const err = (() => {
      try {
        chooseBackend({ XACCT_BACKEND: 'keychain' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).message).toBe('XACCT_BACKEND must be "os" or "file", not "keychain"');
  });
});

describe('openSecretStore', () => {
  it.runIf(process.platform === 'linux')('fails clearly without a D-Bus session, before touching the keyring', async () => {
    const err = await openSecretStore({ HOME: home }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect((err as XacctError).exitCode).toBe(1);
    expect((err as XacctError).message).toMatch(/^no OS keychain reachable \(Secret Service over D-Bus\)/);
    expect((err as XacctError).hint).toBe('set XACCT_BACKEND=file to keep secrets in an encrypted file instead');
  });

  it('opens the file backend under XDG_DATA_HOME with the given passphrase', async () => {
    const store = await openSecretStore({ HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_STATE_HOME: join(home, 'state') }, { backend: 'file', passphrase: async () => 'pw' });
    expect(store.backend).toBe('file');
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
  });

  it('takes the file passphrase from XACCT_FILE_PASSPHRASE by default', async () => {
    const env = { HOME: home, XDG_DATA_HOME: join(home, 'data2'), XDG_STATE_HOME: join(home, 'state'), XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'from-env' };
    await (await openSecretStore(env)).set('k', 'v');
    expect(await (await openSecretStore(env, { passphrase: async () => 'from-env' })).get('k')).toBe('v');
    const wrong = await openSecretStore({ ...env, XACCT_FILE_PASSPHRASE: 'other' });
    await expect(wrong.get('k')).rejects.toThrow(/wrong passphrase/);
  });
});

describe('keychainError', () => {
  const cases: [string, RegExp][] = [
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", /^the keychain is locked; unlock it/],
    ['zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object', /^the keychain is locked; unlock it/],
    ['Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files', /^no OS keychain reachable \(Secret Service over D-Bus\)/],
    ['Platform failure: DBus error: Failed to connect to socket /tmp/x: No such file or directory', /^no OS keychain reachable/],
    ['zbus error: Failed to connect to address `unix:path=/run/user/0/bus`', /^no OS keychain reachable/],
    ["Couldn't access platform storage: Secret Service: no result found", /^could not write "k" to the OS keychain: /],
  ];
  it.each(cases)('%s', (message, expected) => {
    const err = keychainError(Object.assign(new Error(message), { code: 'GenericFailure' }), 'write "k" to');
    expect(err).toBeInstanceOf(XacctError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(expected);
    expect(err.hint).toBe('set XACCT_BACKEND=file to keep secrets in an encrypted file instead');
  });
});

describe('keychainError: a keychain that does not answer is not a missing one', () => {
  const noReply =
    'Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.';
  it.each([
    [noReply, 'DBus error: Did not receive a reply.'],
    ['Platform failure: DBus error: The session does not exist', 'DBus error: The session does not exist'],
    ['the keychain did not answer within 8s (read "k")', 'the keychain did not answer within 8s (read "k")'],
  ])('%s', (message, detail) => {
    const err = keychainError(new Error(message), 'read "k" from');
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`the OS keychain is not answering (Secret Service over D-Bus): could not read "k" from it: ${detail}`);
    expect(err.hint).toMatch(/^the keychain is there but slow or stuck: check that its daemon/);
  });

  it('says how often and for how long it tried', () => {
    const failure = new keychain.KeychainFailure('unresponsive', noReply, 8, 20_400);
    expect(keychainError(failure, 'read "k" from').message).toBe(
      'the OS keychain is not answering (Secret Service over D-Bus, 8 tries over 20s): could not read "k" from it: DBus error: Did not receive a reply.',
    );
    expect(keychainError(new keychain.KeychainFailure('absent', 'Platform failure: DBus error: Failed to connect to socket /x', 1, 3), 'read "k" from').message).toBe(
      'no OS keychain reachable (Secret Service over D-Bus): DBus error: Failed to connect to socket /x',
    );
  });
});
