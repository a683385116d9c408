/**
 * The environment variables xacct reads (SPEC, "Output and environment"), each with what a well-formed value is.
 * SPEC: a malformed value of any of them is a configuration error (exit 2) that names the variable — not a
 * TypeError from deep inside the SDK, nor a silent fall back to a default.
 * (XACCT_BACKEND is checked where the backend is chosen; XACCT_CONFIG naming no file where the map is read.)
 */
import { parseDuration, PASSPHRASE_CACHE } from './duration.js';
import { ConfigError } from './errors.js';
import type { Env } from './paths.js';
import { REGION } from './profile-map/checks.js';

interface Rule {
  readonly names: readonly string[];
  /** Why the value is malformed, or undefined when it is fine. Only called for a non-empty value. */
  readonly problem: (value: string) => string | undefined;
  readonly hint: string;
}

const BOOLEAN = /^(true|false)$/i;

const RULES: readonly Rule[] = [
  {
    names: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    problem: (v) => (REGION.test(v) ? undefined : `is not ${REGION.expected}`),
    hint: 'set it to a region such as eu-west-1, or unset it',
  },
  {
    names: ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_ORGANIZATIONS'],
    problem: endpointProblem,
    hint: 'set it to an endpoint URL such as https://sts.eu-west-1.amazonaws.com, or unset it to use the default',
  },
  {
    names: ['AWS_STS_REGIONAL_ENDPOINTS'],
    problem: (v) => (/^(legacy|regional)$/i.test(v.trim()) ? undefined : 'must be "regional" or "legacy"'),
    hint: 'unset it for the regional endpoints (the default)',
  },
  {
    names: ['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT'],
    problem: (v) => (BOOLEAN.test(v.trim()) ? undefined : 'must be "true" or "false"'),
    hint: 'set it to true or false, or unset it',
  },
  {
    names: ['XACCT_DEBUG'],
    problem: (v) => (/^(0|1|true|false)$/i.test(v) ? undefined : 'must be 1, true, 0 or false'),
    hint: 'XACCT_DEBUG=1 shows stack traces; unset it for none',
  },
  {
    names: ['XACCT_FILE_PASSPHRASE_CACHE'],
    problem: (v) => {
      try {
        parseDuration(v, { ...PASSPHRASE_CACHE, what: 'XACCT_FILE_PASSPHRASE_CACHE' });
        return undefined;
      } catch {
        return 'is not a duration from 0 to 12h (such as 10m or 1h)';
      }
    },
    hint: 'write it as 0 (no passphrase agent), 15m, 1h…, or unset it for the default (10m)',
  },
  {
    names: ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR'],
    problem: (v) => (v.startsWith('/') ? undefined : 'is not an absolute path (the XDG base directories must be)'),
    hint: 'set it to an absolute path, or unset it for the default below HOME',
  },
];

function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `is not an http(s) URL (it is ${url.protocol.slice(0, -1)}:)`;
  if (!url.hostname) return 'names no host';
  return undefined;
}

/** A malformed variable and the ConfigError it raises. */
export interface EnvironmentProblem {
  readonly name: string;
  readonly error: ConfigError;
}

/** Every malformed variable of `env` (only those of `names`, when given), in the order of RULES. */
export function environmentProblems(env: Env, names?: readonly string[]): EnvironmentProblem[] {
  const problems: EnvironmentProblem[] = [];
  for (const rule of RULES) {
    for (const name of rule.names) {
      const value = env[name];
      if (value === undefined || value === '' || (names && !names.includes(name))) continue;
      const problem = rule.problem(value);
      if (problem) problems.push({ name, error: new ConfigError(`${name}=${JSON.stringify(value)} ${problem}`, { hint: rule.hint }) });
    }
  }
  return problems;
}

/** Throws the ConfigError (exit 2) of the first malformed variable. */
export function checkEnvironment(env: Env): void {
  const [first] = environmentProblems(env);
  if (first) throw first.error;
}
