import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as IniLoader from '@smithy/shared-ini-file-loader';
import { afterEach, describe, expect, it } from 'vitest';
import { readAwsSharedConfig } from '../../src/adapters/config-files/aws-shared-config.js';
import { shareAwsFilesWithSdk } from '../../src/adapters/config-files/aws-files-for-sdk.js';

// The instance the adapter loads (CommonJS, as the SDK's own clients load it).
const { loadSharedConfigFiles } = createRequire(import.meta.url)('@smithy/shared-ini-file-loader') as typeof IniLoader;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function files(config: string | undefined, credentials: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-awsfiles-'));
  dirs.push(dir);
  const paths = { config: join(dir, 'config'), credentials: join(dir, 'credentials') };
  if (config !== undefined) writeFileSync(paths.config, config);
  if (credentials !== undefined) writeFileSync(paths.credentials, credentials);
  return paths;
}

/** As xacct's own edits do (writeFileAtomic): a new file renamed over the old one. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

describe('readAwsSharedConfig', () => {
  it('parses both files as the SDK does (profile prefix off, sub-sections, credentials apart)', async () => {
    const p = files('[default]\nregion = eu-west-1\n[profile a]\ns3 =\n  max_concurrent_requests = 4\nregion = us-east-1\n[sso-session s]\nsso_region = eu-west-1\n', '[a]\naws_access_key_id = AKIA1\n');
    const r = await readAwsSharedConfig(p.config, p.credentials);
    expect(r.awsConfig?.profiles).toEqual({ default: { region: 'eu-west-1' }, a: { 's3.max_concurrent_requests': '4', region: 'us-east-1' } });
    expect(r.awsCredentials?.profiles).toEqual({ a: { aws_access_key_id: 'AKIA1' } });
    expect(r.awsConfig?.text).toMatch(/^\[default\]/);
  });

  it('a second call for unchanged files returns the same parse; a replaced file is read again', async () => {
    const p = files('[profile a]\nregion = eu-west-1\n', '[a]\naws_access_key_id = AKIA1\n');
    const first = await readAwsSharedConfig(p.config, p.credentials);
    expect(await readAwsSharedConfig(p.config, p.credentials)).toBe(first);

    replace(p.credentials, '[a]\naws_access_key_id = AKIA2\n');
    const second = await readAwsSharedConfig(p.config, p.credentials);
    expect(second).not.toBe(first);
    expect(second.awsCredentials?.profiles.a).toEqual({ aws_access_key_id: 'AKIA2' });

    rmSync(p.config);
    expect((await readAwsSharedConfig(p.config, p.credentials)).awsConfig).toBeUndefined();
  });

  it('the SDK parses in this process the text xacct read, not the file again', async () => {
    const p = files('[profile a]\nregion = eu-west-1\n', undefined);
    await readAwsSharedConfig(p.config, p.credentials);
    replace(p.config, '[profile a]\nregion = us-west-2\n');
    const sdk = () => loadSharedConfigFiles({ configFilepath: p.config, filepath: p.credentials });
    // As every SDK client xacct makes does (clientConfig), and fromIni: from then on the SDK gets xacct's texts.
    shareAwsFilesWithSdk();
    expect((await sdk()).configFile).toEqual({ a: { region: 'eu-west-1' } });

    await readAwsSharedConfig(p.config, p.credentials);
    expect((await sdk()).configFile).toEqual({ a: { region: 'us-west-2' } });
  });

  it('no files: nothing', async () => {
    const p = files(undefined, undefined);
    expect(await readAwsSharedConfig(p.config, p.credentials)).toEqual({});
  });
});
