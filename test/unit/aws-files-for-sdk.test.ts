/**
 * xacct reads and parses the AWS files without the SDK's loader (a cached session then loads nothing of the SDK);
 * the SDK, once a client is made, still parses the text xacct read rather than the files again. Its own file: the
 * case needs a process in which nothing has loaded @smithy/shared-ini-file-loader yet.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as IniLoader from '@smithy/shared-ini-file-loader';
import { afterEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/adapters/aws-client-config.js';
import { readAwsSharedConfig } from '../../src/adapters/config-files/aws-shared-config.js';

const require = createRequire(import.meta.url);
const LOADER = require.resolve('@smithy/shared-ini-file-loader');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the AWS files and the SDK', () => {
  it('the SDK loader is loaded only when a client is configured, and then parses the text xacct read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xacct-forsdk-'));
    dirs.push(dir);
    const config = join(dir, 'config');
    const credentials = join(dir, 'credentials');
    writeFileSync(config, '[profile a]\nregion = eu-west-1\n');
    writeFileSync(credentials, '[a]\naws_access_key_id = AKIA1\naws_secret_access_key = s1\n');

    const read = await readAwsSharedConfig(config, credentials);
    expect(read.awsConfig?.profiles.a).toEqual({ region: 'eu-west-1' });
    expect(read.awsCredentials?.profiles.a).toEqual({ aws_access_key_id: 'AKIA1', aws_secret_access_key: 's1' });
    expect(require.cache[LOADER]).toBeUndefined();

    // Changed on disk after xacct read it: the SDK must still see what xacct saw.
    writeFileSync(`${config}.new`, '[profile a]\nregion = us-west-2\n');
    renameSync(`${config}.new`, config);
    writeFileSync(`${credentials}.new`, '[a]\naws_access_key_id = AKIA2\naws_secret_access_key = s2\n');
    renameSync(`${credentials}.new`, credentials);

    clientConfig({ accessKeyId: 'AKIAX', secretAccessKey: 'x' }, { maxAttempts: 1, connectionTimeoutMs: 1000, requestTimeoutMs: 1000 });
    expect(require.cache[LOADER]).toBeDefined();
    const { loadSharedConfigFiles } = require(LOADER) as typeof IniLoader;
    const sdk = await loadSharedConfigFiles({ configFilepath: config, filepath: credentials });
    expect(sdk.configFile).toEqual({ a: { region: 'eu-west-1' } });
    expect(sdk.credentialsFile).toEqual({ a: { aws_access_key_id: 'AKIA1', aws_secret_access_key: 's1' } });

    // Read again now that the loader is there: handed over at once.
    const again = await readAwsSharedConfig(config, credentials);
    expect(again.awsConfig?.profiles.a).toEqual({ region: 'us-west-2' });
    expect((await loadSharedConfigFiles({ configFilepath: config, filepath: credentials })).configFile).toEqual({ a: { region: 'us-west-2' } });
  });
});
