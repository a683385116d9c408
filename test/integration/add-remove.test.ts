/**
 * `xacct add` / `xacct remove` as a user runs them: the built CLI, a private D-Bus session with GNOME Keyring,
 * keys from the environment or typed on the terminal while stdin/stdout/stderr are pipes.
 */
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainEntry, requireEnv, requireTools, runCli, runCliPty, startEnv, stripAnsi, type TestEnv } from '../helpers/index.js';

const KEY_ID = 'AKIAEXAMPLE000000001';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEYCHAIN = 'the OS keychain (Secret Service)';
const withKeys = { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET };

let t: TestEnv;

/** The keys stored for `source`, as the keyring holds them (null: none). */
const storedKeys = async (source: string) => {
  const entry = await keychainEntry(t.env, `source:${source}`);
  return entry === null ? null : (JSON.parse(entry) as unknown);
};

const hasPty = requireTools(['python3'], 'terminal prompt tests');

describe.skipIf(!requireEnv({ keyring: true, secretTool: true }, 'add/remove tests'))('xacct add / remove', () => {
  beforeAll(async () => {
    t = await startEnv({ keyring: true });
  });
  afterAll(() => t?.stop());

  describe('with the OS keychain', () => {
    it('stores keys from the environment in the real keychain, and removes them', async () => {
      const added = await runCli(['add', 'identity'], { env: { ...t.env, ...withKeys } });
      expect(added).toMatchObject({ code: 0, stdout: '', stderr: `stored the keys of source 'identity' (${KEY_ID}) in ${KEYCHAIN}\n` });
      expect(await storedKeys('identity')).toEqual({ AccessKeyId: KEY_ID, SecretAccessKey: SECRET });

      expect((await runCli(['add', 'identity'], { env: { ...t.env, ...withKeys } })).stderr).toMatch(/^replaced the keys of source 'identity'/);

      const removed = await runCli(['remove', 'identity'], { env: t.env });
      expect(removed).toMatchObject({ code: 0, stdout: '', stderr: `removed the keys of source 'identity' from ${KEYCHAIN}\n` });
      expect(await storedKeys('identity')).toBeNull();
      const again = await runCli(['remove', 'identity'], { env: t.env });
      expect(again).toMatchObject({ code: 0, stdout: '', stderr: `no keys of source 'identity' were stored in ${KEYCHAIN}\n` });
    });

    it('without keys in the environment and without a terminal, fails and says how to give them', async () => {
      const r = await runCli(['add', 'identity'], { env: t.env });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("xacct: no terminal to ask for the keys of source 'identity'\nxacct: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run xacct add in a terminal\n");
    });

    it('refuses temporary (ASIA) keys and malformed ids, storing nothing and never echoing the secret', async () => {
      for (const id of ['ASIAEXAMPLE000000001', 'AKIA-not-a-key']) {
        const r = await runCli(['add', 'identity'], { env: { ...t.env, AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: SECRET } });
        expect(r.code).toBe(2);
        expect(r.stderr).not.toContain(SECRET);
      }
      expect(await storedKeys('identity')).toBeNull();
    });

    it('checks the source against the profile map when it defines sources', async () => {
      const config = t.home.write('sources.toml', '[sources.identity]\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"\n\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "Admin"\n');
      const env = { ...t.env, ...withKeys, XACCT_CONFIG: config };
      const r = await runCli(['add', 'identiy'], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("xacct: no source 'identiy' in the profile map (did you mean 'identity'?)\nxacct: sources: 'identity'\n");
      expect((await runCli(['add', 'identity'], { env })).code).toBe(0);
      // remove as add: a name the map does not know, with nothing stored, is the same usage error (exit 2).
      const typo = await runCli(['remove', 'identiy'], { env });
      expect(typo).toMatchObject({ code: 2, stderr: "xacct: no source 'identiy' in the profile map (did you mean 'identity'?)\nxacct: sources: 'identity'\n" });
      expect((await runCli(['remove', 'identity'], { env })).code).toBe(0);
      // Keys of a source the map no longer has can still be removed (that is how they are cleaned up).
      expect((await runCli(['add', 'old'], { env: { ...t.env, ...withKeys } })).code).toBe(0);
      expect(await runCli(['remove', 'old'], { env })).toMatchObject({ code: 0, stderr: `removed the keys of source 'old' from ${KEYCHAIN}\n` });
    });

    it('fails clearly without a D-Bus session', async () => {
      const r = await runCli(['add', 'identity'], { env: { ...t.home.env, ...withKeys } });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'xacct: no OS keychain reachable (Secret Service over D-Bus): DBUS_SESSION_BUS_ADDRESS is not set\nxacct: set XACCT_BACKEND=file to keep secrets in an encrypted file instead\n',
      );
    });

    it.runIf(hasPty)('asks for the keys on the terminal when stdin, stdout and stderr are pipes, without echoing the secret', async () => {
      const term = runCliPty(['add', 'identity'], { env: t.env, mode: 'pipes' });
      await term.expect(/Access key id of source 'identity':/);
      term.write(`${KEY_ID}\r`);
      await term.expect(/Secret access key:/);
      term.write(`${SECRET}\r`);
      const r = await term.result();
      expect(r.code, stripAnsi(r.transcript) + r.stderr).toBe(0);
      expect(r.transcript).not.toContain(SECRET);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^stored the keys of source 'identity'/);
      expect(await storedKeys('identity')).toEqual({ AccessKeyId: KEY_ID, SecretAccessKey: SECRET });
      expect((await runCli(['remove', 'identity'], { env: t.env })).code).toBe(0);
    });
  });

  describe('with the file backend', () => {
    it('keeps the keys encrypted in $XDG_DATA_HOME/xacct/secrets.enc, with the passphrase from XACCT_FILE_PASSPHRASE', async () => {
      const env = { ...t.home.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'correct horse' };
      const file = `${t.home.env.XDG_DATA_HOME}/xacct/secrets.enc`;
      const added = await runCli(['add', 'identity'], { env: { ...env, ...withKeys } });
      expect(added).toMatchObject({ code: 0, stdout: '', stderr: `stored the keys of source 'identity' (${KEY_ID}) in the encrypted file ${file}\n` });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
      const wrong = await runCli(['remove', 'identity'], { env: { ...env, XACCT_FILE_PASSPHRASE: 'wrong' } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(new RegExp(`^xacct: cannot decrypt ${file}: wrong passphrase or corrupt file\n`));
      expect((await runCli(['remove', 'identity'], { env })).stderr).toBe(`removed the keys of source 'identity' from the encrypted file ${file}\n`);
    });

    it('follows backend = "file" of the profile map', async () => {
      const config = t.home.write('file-backend.toml', 'backend = "file"\n');
      const env = { ...t.home.env, XDG_DATA_HOME: t.home.path('data2'), XACCT_CONFIG: config, XACCT_FILE_PASSPHRASE: 'pw', ...withKeys };
      const r = await runCli(['add', 'anyone'], { env });
      expect(r.stderr).toBe(`stored the keys of source 'anyone' (${KEY_ID}) in the encrypted file ${t.home.path('data2')}/xacct/secrets.enc\n`);
    });

    it.runIf(hasPty)('asks for a new passphrase twice on the terminal, without echoing it', async () => {
      const env = { ...t.home.env, XDG_DATA_HOME: t.home.path('data3'), XACCT_BACKEND: 'file', ...withKeys };
      const term = runCliPty(['add', 'identity'], { env, mode: 'pipes' });
      await term.expect(/New passphrase for .*secrets\.enc:/);
      term.write('tty pass\r');
      await term.expect(/Repeat the passphrase:/);
      term.write('tty pass\r');
      const r = await term.result();
      expect(r.code, stripAnsi(r.transcript) + r.stderr).toBe(0);
      expect(r.transcript).not.toContain('tty pass');
      const removed = await runCli(['remove', 'identity'], { env: { ...env, XACCT_FILE_PASSPHRASE: 'tty pass' } });
      expect(removed.stderr).toMatch(/^removed the keys/);
    });
  });
});
