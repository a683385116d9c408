/**
 * xacct's entries in the keyring read and written as another program would, with `secret-tool` (service `xacct`,
 * username `<key>`): what the OS keychain really holds, whatever xacct thinks it wrote.
 */
import type { Env } from './home.js';
import { run } from './run-cli.js';

/** `secret-tool lookup service xacct username <key>`: the entry's text, or null when there is none. */
export async function keychainEntry(env: Env, key: string): Promise<string | null> {
  const r = await run('secret-tool', ['lookup', 'service', 'xacct', 'username', key], { env });
  return r.code === 0 ? r.stdout : null;
}

/** Stores `value` under `key` as another program would (secret-tool), replacing what is there. */
export async function storeInKeychain(env: Env, key: string, value: string): Promise<void> {
  const r = await run('secret-tool', ['store', '--label', `xacct ${key}`, 'service', 'xacct', 'username', key], { env, input: value });
  if (r.code !== 0) throw new Error(`secret-tool store ${key}: ${r.stderr}`);
}

export async function clearInKeychain(env: Env, key: string): Promise<void> {
  await run('secret-tool', ['clear', 'service', 'xacct', 'username', key], { env });
}
