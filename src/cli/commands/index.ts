import type { Command } from 'commander';
import { register as list } from './list.js';
import { register as add } from './add.js';
import { register as remove } from './remove.js';
import { register as rotate } from './rotate.js';
import { register as mfa } from './mfa.js';
import { register as credentialProcess } from './credential-process.js';
import { register as exec } from './exec.js';
import { register as assume } from './assume.js';
import { register as whoami } from './whoami.js';
import { register as clear } from './clear.js';
import { register as login } from './login.js';
import { register as awsConfig } from './aws-config.js';
import { register as sync } from './sync.js';
import { register as doctor } from './doctor.js';
import { register as completion } from './completion.js';
import { register as agent } from './agent.js';

/** Order here is the order of `xacct --help`. */
export function registerAll(program: Command): void {
  for (const register of [list, credentialProcess, exec, assume, whoami, add, remove, rotate, mfa, clear, login, awsConfig, sync, doctor, agent, completion]) {
    register(program);
  }
}
