/**
 * A large ~/.aws/config (`aws-config --write` at 25,000 profiles writes 2.8 MB) is parsed once per text: its parse is
 * kept in the private cache folder by the text's sha256 and used while the file has that text (issue 16).
 */
import { createRequire } from 'node:module';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as IniLoader from '@smithy/shared-ini-file-loader';
import { describe, expect, it, vi } from 'vitest';
import { readAwsSharedConfig } from '../../src/adapters/config-files/aws-shared-config.js';
import { CACHED_FROM_BYTES } from '../../src/adapters/config-files/parse-cache.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import { resolveProfile } from '../../src/core/profile-map/resolve.js';
import { configText, kept, keptParseFolders, plant, readKeptFile, replace, WRITTEN } from '../helpers/aws-config-kept.js';

const { loadSharedConfigFiles } = createRequire(import.meta.url)('@smithy/shared-ini-file-loader') as typeof IniLoader;

const setUp = keptParseFolders();

describe('the kept parse of a large AWS config file', () => {
  it('is written privately, used while the text is the same, and gives the same profiles and lines', async () => {
    const p = setUp();
    const text = configText(2_000);
    expect(text.length).toBeGreaterThanOrEqual(CACHED_FROM_BYTES);
    writeFileSync(p.config, text);
    writeFileSync(p.credentials, '[identity]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n');
    const first = await readAwsSharedConfig(p.config, p.credentials, p.folder);
    await vi.waitFor(() => expect(kept(p.folder)).toHaveLength(1), WRITTEN);
    const file = join(p.folder, kept(p.folder)[0]!);
    expect(statSync(p.folder).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('AKIAEXAMPLE'); // the credentials file is never kept

    // Planted: the next read of the same text takes its profiles from the kept file, not from parsing.
    const planted = readKeptFile(file);
    planted.profiles['p-7'] = { credential_process: 'planted' };
    plant(file, planted);
    replace(p.config, text);
    const second = await readAwsSharedConfig(p.config, p.credentials, p.folder);
    expect(second).not.toBe(first);
    expect(second.awsConfig?.profiles['p-7']).toEqual({ credential_process: 'planted' });
    expect(second.awsConfig?.profiles['p-8']).toEqual(first.awsConfig?.profiles['p-8']);
    expect(second.awsCredentials?.profiles.identity?.aws_access_key_id).toBe('AKIAEXAMPLE');

    // The role profile's message names the same line either way; the section without keys still exists.
    const roleError = (files: typeof first) => {
      const map = buildProfileMap({ ...files });
      expect(map.unusableAwsProfiles?.has('role') ?? false).toBe(true);
      try {
        resolveProfile(map, 'role');
      } catch (err) {
        return String(err instanceof Error ? `${err.message} ${JSON.stringify(err)}` : err);
      }
      return 'resolved';
    };
    const line = text.split('\n').indexOf('[profile role]') + 1;
    expect(roleError(first)).toContain(`${line}`);
    expect(roleError(second)).toBe(roleError(first));

    // The SDK in this process still reads the real text (fromIni), not the stand-in of the kept parse.
    expect((await loadSharedConfigFiles({ configFilepath: p.config, filepath: p.credentials })).configFile['p-7']).toEqual({ credential_process: 'xacct credential-process p-7' });
  });

  it('is not used for another text, nor when others can write it; a small file or one holding keys is never kept', async () => {
    const p = setUp();
    writeFileSync(p.config, configText(2_000));
    await readAwsSharedConfig(p.config, p.credentials, p.folder);
    await vi.waitFor(() => expect(kept(p.folder)).toHaveLength(1), WRITTEN);
    const file = join(p.folder, kept(p.folder)[0]!);

    replace(p.config, configText(2_000, 'region = eu-west-1'));
    expect((await readAwsSharedConfig(p.config, p.credentials, p.folder)).awsConfig?.profiles.empty).toEqual({ region: 'eu-west-1' });
    await vi.waitFor(() => expect(readFileSync(file, 'utf8')).toContain('eu-west-1'), WRITTEN);

    const planted = readKeptFile(file);
    planted.profiles.empty = { region: 'planted' };
    plant(file, planted);
    chmodSync(file, 0o666);
    replace(p.config, configText(2_000, 'region = eu-west-1'));
    expect((await readAwsSharedConfig(p.config, p.credentials, p.folder)).awsConfig?.profiles.empty).toEqual({ region: 'eu-west-1' });
    await vi.waitFor(() => expect(statSync(file).mode & 0o777).toBe(0o600), WRITTEN); // replaced by a private one

    // The parse kept of an earlier text goes once the file holds keys, is small, or is gone.
    replace(p.config, configText(2_000, 'aws_secret_access_key = not-to-be-copied'));
    await readAwsSharedConfig(p.config, p.credentials, p.folder);
    expect(existsSync(file)).toBe(false);
    for (const change of [() => replace(p.config, configText(10)), () => rmSync(p.config)]) {
      replace(p.config, configText(2_000));
      await readAwsSharedConfig(p.config, p.credentials, p.folder);
      await vi.waitFor(() => expect(existsSync(file)).toBe(true), WRITTEN);
      change();
      await readAwsSharedConfig(p.config, p.credentials, p.folder);
      expect(existsSync(file)).toBe(false);
    }

    const q = setUp();
    writeFileSync(q.config, configText(2_000, 'aws_secret_access_key = not-to-be-copied'));
    await readAwsSharedConfig(q.config, q.credentials, q.folder);
    const r = setUp();
    writeFileSync(r.config, configText(10));
    await readAwsSharedConfig(r.config, r.credentials, r.folder);
    await new Promise((done) => setTimeout(done, 100));
    expect(kept(q.folder)).toEqual([]);
    expect(kept(r.folder)).toEqual([]);
  });

  it('serves the profile map from its summary, and reads the profiles only when asked: a damaged copy is then removed', async () => {
    const p = setUp();
    const text = configText(2_000, 'aws_access_key_id = AKIAKEYEDEXAMPLE');
    writeFileSync(p.config, text);
    writeFileSync(p.credentials, '[identity]\naws_access_key_id = AKIAIDENTITY\naws_secret_access_key = s\n');
    const first = await readAwsSharedConfig(p.config, p.credentials, p.folder);
    await vi.waitFor(() => expect(kept(p.folder)).toHaveLength(1), WRITTEN);
    const file = join(p.folder, kept(p.folder)[0]!);
    plant(file, readKeptFile(file), false);
    replace(p.config, text);
    const second = await readAwsSharedConfig(p.config, p.credentials, p.folder);
    const [a, b] = [buildProfileMap({ ...first }), buildProfileMap({ ...second })];
    expect(b.awsKeyIds).toEqual(new Map([['identity', 'AKIAIDENTITY'], ['empty', 'AKIAKEYEDEXAMPLE']]));
    expect(b.awsKeyIds).toEqual(a.awsKeyIds);
    expect([...(b.unusableAwsProfiles?.keys() ?? [])]).toEqual(['role']);
    expect(b.unusableAwsProfiles?.get('role')).toMatchObject({ message: a.unusableAwsProfiles?.get('role')?.message, line: text.split('\n').indexOf('[profile role]') + 1 });
    expect(existsSync(file)).toBe(true); // not read so far
    expect(() => second.awsConfig?.profiles).toThrow(/kept parse of .* was damaged or replaced; it is removed/);
    expect(existsSync(file)).toBe(false);
    replace(p.config, text);
    expect((await readAwsSharedConfig(p.config, p.credentials, p.folder)).awsConfig?.profiles['p-3']).toEqual(first.awsConfig?.profiles['p-3']);
    await vi.waitFor(() => expect(kept(p.folder)).toHaveLength(1), WRITTEN); // parsed, and kept again
  });

  it('a large file with a line it cannot read is refused (file:line) and nothing is kept', async () => {
    const p = setUp();
    const text = configText(2_000, 'this is not a setting');
    writeFileSync(p.config, text);
    await expect(readAwsSharedConfig(p.config, p.credentials, p.folder)).rejects.toMatchObject({ file: p.config, line: text.split('\n').indexOf('this is not a setting') + 1 });
    await new Promise((done) => setTimeout(done, 100));
    expect(kept(p.folder)).toEqual([]);
  });
});
