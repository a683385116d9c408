import { describe, expect, it } from 'vitest';
import { checkEnvironment, environmentProblems } from '../../src/core/environment.js';
import { ConfigError } from '../../src/core/errors.js';

const names = (env: Record<string, string>) => environmentProblems(env).map((p) => p.name);

describe('environment variables xacct reads', () => {
  it('accepts what the AWS tools accept', () => {
    const good = {
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'us-gov-west-1',
      AWS_ENDPOINT_URL: 'https://vpce-1.sts.eu-west-1.vpce.amazonaws.com',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4566/',
      AWS_ENDPOINT_URL_IAM: 'https://iam.amazonaws.com',
      AWS_STS_REGIONAL_ENDPOINTS: 'Legacy',
      AWS_USE_FIPS_ENDPOINT: 'TRUE',
      AWS_USE_DUALSTACK_ENDPOINT: 'false',
      XACCT_DEBUG: '1',
      XDG_CACHE_HOME: '/home/a/.cache',
      // Empty is unset.
      AWS_ENDPOINT_URL_ORGANIZATIONS: '',
      XDG_CONFIG_HOME: '',
    };
    expect(environmentProblems(good)).toEqual([]);
    expect(() => checkEnvironment(good)).not.toThrow();
  });

  it('names each malformed one, as a configuration error (exit 2)', () => {
    const bad = {
      AWS_REGION: 'EU',
      AWS_ENDPOINT_URL_STS: 'notaurl',
      AWS_ENDPOINT_URL: 'file:///etc/passwd',
      AWS_STS_REGIONAL_ENDPOINTS: 'global',
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: '1',
      XACCT_DEBUG: 'on',
      XDG_STATE_HOME: 'state',
    };
    expect(names(bad).sort()).toEqual(Object.keys(bad).sort());
    let thrown: unknown;
    try {
      checkEnvironment(bad);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).exitCode).toBe(2);
    expect((thrown as ConfigError).message).toBe('AWS_REGION="EU" is not an AWS region such as eu-west-1');
  });

  it('can be asked about some variables only', () => {
    expect(environmentProblems({ AWS_REGION: 'EU', AWS_ENDPOINT_URL_STS: 'x' }, ['AWS_ENDPOINT_URL_STS']).map((p) => p.name)).toEqual(['AWS_ENDPOINT_URL_STS']);
  });
});
