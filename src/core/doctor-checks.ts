/** The pure judgements of `xacct doctor`: which config entries call xacct, the clock. */
import { durationInWords } from './duration.js';
import { error, ok, warning, type Finding } from './doctor-report.js';
import type { IniProfile } from './aws-profile-kind.js';
import { xacctInvocation } from './xacct-command.js';

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

export function xacctEntries(configProfiles: Readonly<Record<string, IniProfile>>): XacctEntry[] {
  const entries: XacctEntry[] = [];
  for (const [profile, section] of Object.entries(configProfiles)) {
    const run = section.credential_process ? xacctInvocation(section.credential_process) : undefined;
    if (!run) continue;
    const { program, subcommand, target } = run;
    if (subcommand !== 'credential-process') entries.push({ profile, program, ...(subcommand ? { subcommand } : {}) });
    else entries.push({ profile, program, ...(target ? { target } : {}) });
  }
  return entries;
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
