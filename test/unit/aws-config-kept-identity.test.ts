/**
 * A large ~/.aws/config's kept parse is also found by the file's identity (the fast path's stamp rule), once the
 * file has settled: then the file is not read at all on a call (reading and hashing 2.8 MB was ~10 ms of CPU), and
 * its text is read only when something asks for it. Its own file: no SDK client may have been made in this process
 * (the SDK's loader would then be handed the text at once; on the full path nothing makes one).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { readAwsSharedConfig } from '../../src/adapters/config-files/aws-shared-config.js';
import inputs from '../../src/fast/inputs-stamp.cjs';
import { configText, kept, keptParseFolders, plant, readKeptFile, replace, WRITTEN } from '../helpers/aws-config-kept.js';

const require = createRequire(import.meta.url);
const setUp = keptParseFolders();

describe('the kept parse of a large AWS config file, by the file\'s identity', () => {
  it('once the file has settled: the file is then not read, its text only on demand', async () => {
    const p = setUp();
    const text = configText(2_000);
    writeFileSync(p.config, text);
    const identity = () => inputs.identityOf(statSync(p.config, { bigint: true }));
    const other = setUp(); // read in between: this process's memo of the last read is of another file then
    const readOther = () => readAwsSharedConfig(other.config, other.credentials);
    expect(require.cache[require.resolve('@smithy/shared-ini-file-loader')]).toBeUndefined();
    try {
      // Just written: no identity is recorded (a change within the clock's step would keep it).
      await readAwsSharedConfig(p.config, p.credentials, p.folder);
      await vi.waitFor(() => expect(kept(p.folder)).toHaveLength(1), WRITTEN);
      const file = join(p.folder, kept(p.folder)[0]!);
      expect(readKeptFile(file).header.doc).not.toHaveProperty('identity');

      // Seconds later, the same text: the identity is recorded with the kept parse.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 10_000);
      await readOther();
      await readAwsSharedConfig(p.config, p.credentials, p.folder);
      await vi.waitFor(() => expect(readKeptFile(file).header.doc).toHaveProperty('identity', identity()), WRITTEN);

      // A file of that identity is served from the kept parse (planted) without being read.
      const planted = readKeptFile(file);
      planted.profiles['p-7'] = { credential_process: 'planted' };
      plant(file, planted);
      await readOther();
      const served = await readAwsSharedConfig(p.config, p.credentials, p.folder);
      expect(served.awsConfig?.profiles['p-7']).toEqual({ credential_process: 'planted' });
      replace(p.config, configText(2_000, 'region = eu-west-1'));
      expect(() => served.awsConfig?.text).toThrow(`${p.config} changed while xacct was running`);

      // Another identity: read and parsed again; the same text under a new identity: read, and the identity updated.
      await readOther();
      expect((await readAwsSharedConfig(p.config, p.credentials, p.folder)).awsConfig?.profiles['p-7']).toEqual({ credential_process: 'xacct credential-process p-7' });
      await vi.waitFor(() => expect(readFileSync(file, 'utf8')).toContain('eu-west-1'), WRITTEN); // kept again, in the background
      replace(p.config, text);
      await readOther();
      const again = await readAwsSharedConfig(p.config, p.credentials, p.folder);
      expect(again.awsConfig?.text).toBe(text);
      await vi.waitFor(() => expect(readKeptFile(file).header.doc).toHaveProperty('identity', identity()), WRITTEN);
      await readOther();
      const settled = await readAwsSharedConfig(p.config, p.credentials, p.folder);
      expect(settled.awsConfig?.text).toBe(text); // read on demand: the same file
      expect(settled.awsConfig?.profiles['p-3']).toEqual({ credential_process: 'xacct credential-process p-3' });
    } finally {
      vi.useRealTimers();
    }
  });

});
