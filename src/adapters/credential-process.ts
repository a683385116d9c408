/**
 * A source's `credential_process` (an AWS profile of that kind), run by xacct itself rather than by the AWS SDK, whose
 * exec() has no time limit, gives the command xacct's whole environment, and leaves it running when xacct ends: a
 * hung one held the MFA-session lock for every other caller. Here it is a helper of bounded-child.ts (60 s, as the
 * AWS SDK for Go allows; stopped with what it started), with xacct's environment without its secrets. Its output is
 * read as the SDKs read it (Version 1 JSON), and never repeated in a message: it holds keys.
 */
import { readFileSync } from 'node:fs';
import { checkKeyShape, type AwsCredentials } from '../core/credentials.js';
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import { programName } from '../core/program-name.js';
import { envWithoutSecrets } from '../core/session-env.js';
import { childrenOf, descendantsOf, howItEnded, inWords, startHelper } from './bounded-child.js';
import { terminalPresent } from './prompt/tty.js';

export const CREDENTIAL_PROCESS_TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 64 * 1024;

/** Runs `command` (through the shell, as the SDKs do) and returns the credentials it printed. */
export async function runCredentialProcess(command: string, env: Env, timeoutMs = CREDENTIAL_PROCESS_TIMEOUT_MS): Promise<AwsCredentials> {
  const what = `its credential_process (${programName(command)})`;
  const helper = startHelper(command, [], {
    what,
    timeoutMs,
    shell: true,
    env: envWithoutSecrets(env),
    // stderr is the user's: a tool's own prompt or message reaches them. It may ask on the terminal itself.
    stdio: ['ignore', 'pipe', 'inherit'],
    needsTerminal: terminalPresent(),
  });
  let out = '';
  helper.child.stdout!.setEncoding('utf8');
  helper.child.stdout!.on('data', (chunk: string) => {
    if (out.length < MAX_OUTPUT) out += chunk;
  });
  const failed = howItEnded(await helper.ended, timeoutMs);
  if (failed) throw new XacctError(`${what} ${failed}`, { hint: 'run it yourself to see why' });
  return parseProcessOutput(out, what);
}

/** The credential_process output of the AWS SDKs: {"Version": 1, "AccessKeyId", "SecretAccessKey", …}. */
export function parseProcessOutput(text: string, what: string): AwsCredentials {
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text.trim());
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    data = parsed as Record<string, unknown>;
  } catch {
    throw new XacctError(`${what} did not print JSON`, { hint: 'it must print {"Version": 1, "AccessKeyId": …} on stdout' });
  }
  if (data.Version !== 1) throw new XacctError(`${what} printed Version ${JSON.stringify(data.Version) ?? 'none'}, not 1`);
  const { AccessKeyId: id, SecretAccessKey: secret, SessionToken: token, Expiration: expiration } = data;
  if (typeof id !== 'string' || !id || typeof secret !== 'string' || !secret) throw new XacctError(`${what} printed no AccessKeyId and SecretAccessKey`);
  if (token !== undefined && typeof token !== 'string') throw new XacctError(`${what} printed a SessionToken that is not a string`);
  let expires: Date | undefined;
  if (expiration !== undefined) {
    expires = typeof expiration === 'string' ? new Date(expiration) : undefined;
    if (!expires || Number.isNaN(expires.getTime())) throw new XacctError(`${what} printed an Expiration that is not a date`);
    if (expires.getTime() <= Date.now()) throw new XacctError(`${what} printed credentials that have expired`);
  }
  return checkKeyShape({ accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}), ...(expires ? { expiration: expires } : {}) }, `the keys ${what} printed`);
}

/**
 * A chain the AWS SDK resolves itself (SSO, web identity, a role profile as a source's aws_profile, a
 * credential_process deeper in it) is bounded from outside: its own clients wait up to 300 s per idle socket and
 * retry, while xacct holds the source's session lock. After `timeoutMs` the wait ends with one line, and the SDK's
 * shells running one of `commands` (its exec() starts `/bin/sh -c <command>` as our child) are stopped with what
 * they started.
 */
export async function withSdkProcessLimit<T>(work: Promise<T>, commands: readonly string[], timeoutMs = CREDENTIAL_PROCESS_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (commands.length === 0) {
        reject(new XacctError(`they did not come within ${inWords(timeoutMs)}`, { hint: 'check the network and the endpoints of its chain (AWS_ENDPOINT_URL_*), or try it with the AWS CLI' }));
        return;
      }
      stopSdkShells(commands);
      reject(new XacctError(`they did not come within ${inWords(timeoutMs)}, and the credential_process of its chain was stopped`, { hint: 'run it yourself to see why' }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

function stopSdkShells(commands: readonly string[]): void {
  for (const pid of childrenOf(process.pid)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[1] !== '-c' || !commands.includes(argv[2] ?? '')) continue;
      for (const p of [...descendantsOf(pid), pid]) process.kill(p, 'SIGKILL');
    } catch {
      /* ended meanwhile */
    }
  }
}
