/** Source kind: long-term keys stored in the secret store by `xacct add <source>` (`source:<source>`). */
import cacheEntry from '../cache-entry.cjs';
import { provider } from '../credentials.js';
import { error, ok } from '../doctor-report.js';
import { XacctError } from '../errors.js';
import { decodeStoredKeys } from '../stored-keys.js';
import { NotThisSource, type SourceKind } from './kind.js';

const { secretKeys } = cacheEntry;

export const storedKeys: SourceKind = {
  kind: 'stored-keys',
  settings: [],
  // Any source may have keys stored under its name: this link is always tried first.
  fromTable: () => ({ kind: 'stored-keys', settings: {} }),
  fromAwsProfile: () => ({ kind: 'stored-keys', settings: {} }),

  provider: (_link, source, ports) =>
    provider(async () => {
      const stored = await ports.store.get(secretKeys.source(source.name));
      if (stored === null) throw new NotThisSource(`no keys stored for source '${source.name}'`);
      const keys = decodeStoredKeys(stored);
      if (!keys) throw new XacctError(`the keys stored for source '${source.name}' are unreadable`, { hint: `store them again with 'xacct add ${source.name}'` });
      return keys;
    }),

  keyIdentity: (_link, _source, facts) => (facts.storedKeyId ? `key:${facts.storedKeyId}` : undefined),

  async doctor(_link, source, ports) {
    const topic = `source ${source.name}`;
    const fix = `xacct add ${source.name}`;
    const store = ports.store;
    if (!store) return { found: false, none: 'the keychain could not be read', fix, uncertain: true };
    const key = secretKeys.source(source.name);
    if (!store.keys.has(key)) return { found: false, none: `none stored in ${store.where}`, fix };
    const keys = decodeStoredKeys(await store.get(key).catch(() => null));
    if (!keys) return { found: true, findings: [error(topic, `the long-term keys stored in ${store.where} are unreadable`, `store them again with ${fix}`)] };
    return { found: true, credentials: keys, findings: [ok(topic, `long-term keys stored in ${store.where} (xacct add)`)] };
  },
};
