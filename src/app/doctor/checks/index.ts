/**
 * The checks of `xacct doctor`, in the order of the report. A new check is one module of this folder exporting a
 * DoctorCheck, and one line here; facts it shares with other checks (the profile map, the open store, the AWS
 * files) are read with ctx.fact(…) from the modules that define them.
 */
import type { DoctorCheck } from '../context.js';
import { awsConfigCheck } from './aws-config.js';
import { clockCheck } from './clock.js';
import { environmentCheck } from './environment.js';
import { keychainCheck } from './keychain.js';
import { passphraseAgentCheck } from './passphrase-agent.js';
import { keyLifeCheck } from './key-life.js';
import { organizationCheck } from './organization.js';
import { pathCheck } from './path.js';
import { profileMapCheck } from './profile-map.js';
import { sharedMachineCheck } from './shared-machine.js';
import { sourcesCheck } from './sources.js';
import { stsEndpointCheck } from './sts-endpoint.js';

export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  environmentCheck,
  profileMapCheck,
  organizationCheck,
  keychainCheck,
  passphraseAgentCheck,
  sourcesCheck,
  keyLifeCheck,
  clockCheck,
  stsEndpointCheck,
  awsConfigCheck,
  pathCheck,
  sharedMachineCheck,
];
