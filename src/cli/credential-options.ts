/** SPEC's options of every command that gets credentials, and the request they make of the credential use cases. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CredentialRequest } from '../app/get-credentials.js';
import { REGION } from '../core/profile-map/checks.js';

/** The options of SPEC on every command that gets credentials. */
export function addCredentialOptions(cmd: Command): Command {
  return cmd
    .option('--mfa-token <code>', 'use this MFA code instead of asking')
    .option('--duration <duration>', 'role session length (900, 15m, 1h)')
    .addOption(new Option('--region <region>', 'AWS region').argParser(regionOption))
    .option('--no-cache', 'ignore and do not write cached sessions')
    .addOption(new Option('--force', 'allow running inside another xacct session').hideHelp(cmd.name() === 'credential-process' || cmd.name() === 'sync'));
}

/** --region as the profile map takes it: a malformed one is a usage error, not a request to a host that is not there. */
function regionOption(value: string): string {
  if (!REGION.test(value)) throw new InvalidArgumentError(`'${value}' is not ${REGION.expected}.`);
  return value;
}

export interface CredentialOptions {
  mfaToken?: string;
  duration?: string;
  region?: string;
  cache: boolean;
  force?: boolean;
}

/** What a command asks of the engine: its profile operand and the options of addCredentialOptions. */
export function credentialRequest(profile: string | undefined, options: CredentialOptions): CredentialRequest {
  return {
    ...(profile ? { profile } : {}),
    ...(options.mfaToken ? { mfaToken: options.mfaToken } : {}),
    ...(options.duration ? { duration: options.duration } : {}),
    ...(options.region ? { region: options.region } : {}),
    cache: options.cache,
  };
}
