import { describe, expect, it } from 'vitest';
import { sourceForAwsProfile } from '../../src/core/sources/index.js';
import {
  accessKeysFromEnv,
  addSourceKeys,
  checkAccessKeyId,
  checkAccessKeys,
  checkSourceName,
  removeSourceKeys,
} from '../../src/app/source-keys.js';
import { UsageError } from '../../src/core/errors.js';
import type { SecretStore } from '../../src/core/ports.js';
import type { ProfileMap, SourcePlan } from '../../src/core/profile-map/types.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function memoryStore(): SecretStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    backend: 'file',
    data,
    get: async (k) => data.get(k) ?? null,
    set: async (k, v) => void data.set(k, v),
    delete: async (k) => data.delete(k),
    list: async () => [...data.keys()],
    readAll: async () => new Map(data),
  };
}

function mapWithSources(...names: string[]): ProfileMap {
  const sources = new Map<string, SourcePlan>(names.map((name) => [name, sourceForAwsProfile(name)]));
  return { files: ['/c.toml'], sources, profiles: new Map() };
}

function thrown(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('did not throw');
}

describe('source names', () => {
  it('accepts any well-formed name without a profile map, and refuses others', () => {
    expect(() => checkSourceName('identity', undefined)).not.toThrow();
    expect(() => checkSourceName('team.id-2', undefined)).not.toThrow();
    expect(thrown(() => checkSourceName('../etc', undefined)).exitCode).toBe(2);
  });

  it('refuses a source the profile map does not define, suggesting close names', () => {
    const map = mapWithSources('identity', 'backup');
    expect(() => checkSourceName('identity', map)).not.toThrow();
    const err = thrown(() => checkSourceName('identiy', map));
    expect(err.message).toBe("no source 'identiy' in the profile map (did you mean 'identity'?)");
    expect(err.hint).toBe("sources: 'backup', 'identity'");
    expect(() => checkSourceName('anything', mapWithSources())).not.toThrow();
  });
});

describe('access keys', () => {
  it('come from the environment only when both variables are set', () => {
    expect(accessKeysFromEnv({})).toBeUndefined();
    expect(accessKeysFromEnv({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE000000001', AWS_SECRET_ACCESS_KEY: SECRET })).toEqual({ accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: SECRET });
    expect(thrown(() => accessKeysFromEnv({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE000000001' })).message).toBe('AWS_SECRET_ACCESS_KEY is not set while AWS_ACCESS_KEY_ID is');
  });

  it('must be long-term keys of the right shape; messages never show the secret', () => {
    expect(checkAccessKeyId('AKIAEXAMPLE000000001')).toBe(true);
    expect(checkAccessKeyId('AKIAexample000000001')).toMatch(/AKIA followed by 16/);
    expect(checkAccessKeyId('ASIAEXAMPLE000000001')).toMatch(/temporary key/);
    const session = thrown(() => checkAccessKeys({ accessKeyId: 'ASIAEXAMPLE000000001', secretAccessKey: SECRET }));
    expect(session.hint).toMatch(/unset AWS_ACCESS_KEY_ID/);
    for (const secret of ['', 'has space in it', 'AKIAEXAMPLE000000001']) {
      const err = thrown(() => checkAccessKeys({ accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: secret }));
      if (secret) expect(`${err.message} ${err.hint ?? ''}`).not.toContain(secret);
    }
  });
});

describe('add and remove', () => {
  it('stores {AccessKeyId, SecretAccessKey} under source:<name>, and says when it replaced keys', async () => {
    const store = memoryStore();
    const keys = { accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: SECRET };
    expect(await addSourceKeys(store, 'identity', keys)).toEqual({ replaced: false, retired: [] });
    expect(JSON.parse(store.data.get('source:identity')!)).toEqual({ AccessKeyId: 'AKIAEXAMPLE000000001', SecretAccessKey: SECRET });
    expect(await addSourceKeys(store, 'identity', keys)).toEqual({ replaced: true, retired: [] });
    expect(await removeSourceKeys(store, 'identity')).toBe(true);
    expect(await removeSourceKeys(store, 'identity')).toBe(false);
  });

  it('stores nothing when the keys are malformed', async () => {
    const store = memoryStore();
    await expect(addSourceKeys(store, 'identity', { accessKeyId: 'ASIAEXAMPLE000000001', secretAccessKey: SECRET })).rejects.toThrow(UsageError);
    expect(store.data.size).toBe(0);
  });
});
