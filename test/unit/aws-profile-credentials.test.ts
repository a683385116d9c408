import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsProfileLoader } from '../../src/adapters/aws-profile-credentials.js';
import { failure } from '../helpers/failure.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A HOME with the given AWS files, named through AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE. */
function awsFiles(files: { config?: string; credentials?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-awsprofile-'));
  dirs.push(dir);
  const config = join(dir, 'aws-config');
  const credentials = join(dir, 'aws-credentials');
  writeFileSync(config, files.config ?? '');
  writeFileSync(credentials, files.credentials ?? '');
  return { HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, PATH: process.env.PATH };
}

describe('createAwsProfileLoader', () => {
  it('loads static keys from the credentials file named by AWS_SHARED_CREDENTIALS_FILE', async () => {
    const env = awsFiles({
      credentials: '[identity]\naws_access_key_id = AKIAIDENTITY00000001\naws_secret_access_key = c2VjcmV0\n',
    });
    const creds = await createAwsProfileLoader(env).load('identity');
    expect(creds).toEqual({ accessKeyId: 'AKIAIDENTITY00000001', secretAccessKey: 'c2VjcmV0' });
  });

  it('loads a credential_process profile from the config file named by AWS_CONFIG_FILE', async () => {
    const json = JSON.stringify({
      Version: 1,
      AccessKeyId: 'ASIAPROCESS000000001',
      SecretAccessKey: 'cHJvY2Vzcw==',
      SessionToken: 'token',
      Expiration: '2099-01-01T00:00:00Z',
    });
    const env = awsFiles({ config: `[profile corp]\ncredential_process = echo '${json}'\n` });
    const creds = await createAwsProfileLoader(env).load('corp', 'identity');
    expect(creds.accessKeyId).toBe('ASIAPROCESS000000001');
    expect(creds.sessionToken).toBe('token');
    expect(creds.expiration?.toISOString()).toBe('2099-01-01T00:00:00.000Z');
  });

  it('a missing profile: says how to give the source credentials', async () => {
    const env = awsFiles({ credentials: '[other]\naws_access_key_id = A\naws_secret_access_key = B\n' });
    const err = await failure(createAwsProfileLoader(env).load('identity'));
    expect(err.message).toBe(
      `no long-term credentials for source 'identity': store them with \`xacct add identity\` or define AWS profile 'identity' in ~/aws-credentials`,
    );
    expect(err.exitCode).toBe(1);
  });

  it('shows a credentials file under HOME with ~', async () => {
    const env = awsFiles({});
    const err = await failure(createAwsProfileLoader({ ...env, AWS_SHARED_CREDENTIALS_FILE: undefined }).load('identity'));
    expect(err.message).toMatch(/in ~\/\.aws\/credentials$/);
  });

  it('refuses a profile whose credential_process runs xacct (it would call itself)', async () => {
    const env = awsFiles({
      config:
        '[profile identity]\ncredential_process = /usr/local/bin/xacct credential-process identity\n' +
        '[profile chained]\nsource_profile = identity\nrole_arn = arn:aws:iam::1:role/x\n',
    });
    for (const profile of ['identity', 'chained']) {
      const err = await failure(createAwsProfileLoader(env).load(profile));
      expect(err.message).toMatch(/AWS profile 'identity' gets its credentials from xacct itself/);
      expect(err.exitCode).toBe(2);
    }
  });

  it('a profile without credentials', async () => {
    const env = awsFiles({ config: '[profile identity]\nregion = eu-west-1\n' });
    const err = await failure(createAwsProfileLoader(env).load('identity'));
    expect(err.message).toMatch(/AWS profile 'identity' holds no credentials/);
  });

  it('a failing credential_process: one line naming the profile', async () => {
    const env = awsFiles({ config: '[profile identity]\ncredential_process = sh -c "exit 3"\n' });
    const err = await failure(createAwsProfileLoader(env).load('identity'));
    expect(err.message).toMatch(/^cannot load credentials for source 'identity' from AWS profile 'identity': /);
    expect(err.message).not.toMatch(/\n/);
  });
});
