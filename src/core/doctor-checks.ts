/** The pure judgements of `xacct doctor`: what an AWS profile holds, which config entries call xacct, the clock. */
import { basename } from 'node:path';
import { durationInWords } from './duration.js';
import { error, ok, warning, type Finding } from './doctor-report.js';
import type { IniProfile } from './profile-map/aws-config-profiles.js';

/** How an AWS profile gives credentials, as the AWS SDK would resolve it. */
export type AwsProfileKind = 'static keys' | 'role_arn' | 'SSO' | 'credential_process' | 'web identity' | 'no credentials' | 'missing';

/** Keys in ~/.aws/credentials win over the same profile's settings in ~/.aws/config, as in the SDKs. */
export function awsProfileKind(inCredentials: IniProfile | undefined, inConfig: IniProfile | undefined): AwsProfileKind {
  if (!inCredentials && !inConfig) return 'missing';
  const s = { ...inConfig, ...inCredentials };
  if (s.role_arn && (s.source_profile || s.credential_source)) return 'role_arn';
  if (s.aws_access_key_id && s.aws_secret_access_key) return 'static keys';
  if (s.web_identity_token_file) return 'web identity';
  if (s.credential_process) return 'credential_process';
  if (s.sso_session || s.sso_start_url) return 'SSO';
  return 'no credentials';
}

/** A profile of the AWS config whose credential_process runs xacct. */
export interface XacctEntry {
  readonly profile: string;
  /** The program as written (`xacct`, `/usr/local/bin/xacct`, `node …/bin/xacct.js`). */
  readonly program: string;
  /** The profile it asks xacct for; absent when the command names none. */
  readonly target?: string;
  /** The xacct subcommand, when it is not credential-process. */
  readonly subcommand?: string;
}

const XACCT_PROGRAM = /^xacct(?:\.js|\.cmd|\.exe|\.ps1)?$/i;
const OPTIONS_WITH_VALUE = new Set(['--mfa-token', '--duration', '--region']);

export function xacctEntries(configProfiles: Readonly<Record<string, IniProfile>>): XacctEntry[] {
  const entries: XacctEntry[] = [];
  for (const [profile, section] of Object.entries(configProfiles)) {
    const command = section.credential_process;
    if (!command) continue;
    const words = shellWords(command);
    const at = words.findIndex((w) => XACCT_PROGRAM.test(basename(w)));
    if (at < 0) continue;
    const program = words.slice(0, at + 1).join(' ');
    const [subcommand, ...rest] = words.slice(at + 1);
    if (subcommand !== 'credential-process') {
      entries.push({ profile, program, ...(subcommand ? { subcommand } : {}) });
      continue;
    }
    let target: string | undefined;
    for (let i = 0; i < rest.length && target === undefined; i++) {
      const word = rest[i]!;
      if (OPTIONS_WITH_VALUE.has(word)) i++;
      else if (!word.startsWith('-')) target = word;
    }
    entries.push({ profile, program, ...(target ? { target } : {}) });
  }
  return entries;
}

/** Words as a POSIX shell splits them (quotes and backslashes; no expansions): how the SDKs run credential_process. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) word = (word ?? '') + command[++i];
      else word = (word ?? '') + ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && i + 1 < command.length) {
      word = (word ?? '') + command[++i];
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** AWS refuses a request signed this far from its own clock. */
const SKEW_ERROR_SECONDS = 300;
const SKEW_WARNING_SECONDS = 60;

/**
 * `skewSeconds`: our clock minus STS's (positive: ours is ahead). STS's Date header counts whole seconds, so a
 * skew below a couple of seconds is noise.
 */
export function clockFinding(skewSeconds: number, against: string): Finding {
  const size = Math.abs(skewSeconds);
  const how = `${size < 1 ? size.toFixed(1) + ' seconds' : durationInWords(Math.round(size))} ${skewSeconds >= 0 ? 'ahead of' : 'behind'} ${against}`;
  const fix = 'set the clock right: turn on time synchronisation with NTP (timedatectl set-ntp true, or the date & time settings of your system)';
  if (size > SKEW_ERROR_SECONDS) return error('clock', `${how}: AWS refuses requests signed more than 5 minutes off, so every STS call fails`, fix);
  if (size > SKEW_WARNING_SECONDS) return warning('clock', `${how}: near the 5 minutes beyond which AWS refuses requests`, fix);
  return ok('clock', size < 2 ? `in step with ${against}` : how);
}
