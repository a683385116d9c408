/**
 * The bench's world: one private keyring and one moto behind the checking STS proxy, and two HOMEs that share them,
 * one with a profile map of 50 profiles and one with 25,000 (5,000 accounts × 5 roles, written in config.toml
 * itself: the heavier case; organization.toml is read by a cheaper codec). Both have the same source: an AWS profile
 * in ~/.aws/credentials (static keys) with an MFA device and `mfa_process`, so a cold call is GetSessionToken +
 * AssumeRole, and an AWS CLI role profile for the AWS CLI's own cache.
 */
import { makeHome, type TestHome } from '../test/helpers/home.js';
import { startEnv, type TestEnv } from '../test/helpers/env.js';
import { VALID_MFA_CODE } from '../test/helpers/sts-proxy.js';
import type { Env } from './measure.js';

export const PROFILE = 'prod-admin';
export const AWS_PROFILE = 'bench-aws-role';
const ROLES = ['admin', 'readonly', 'dev', 'ops', 'audit'];

export interface Scale {
  /** "50 profiles" */
  readonly label: string;
  readonly profiles: number;
  readonly env: Env;
}

export interface BenchWorld {
  readonly t: TestEnv;
  readonly small: Scale;
  readonly large: Scale;
  /** The large map, with `xacct aws-config --write`'s 25,000 entries in its ~/.aws/config (written by the bench). */
  readonly largeWithEntries: Scale;
  stop(): Promise<void>;
}

/** The map: `accounts` accounts (prod first) × the 5 roles. */
function profileMap(t: TestEnv, accounts: number): string {
  const lines = [
    '[sources.identity]',
    `mfa_serial = "${t.user.mfaSerial}"`,
    `mfa_process = "printf ${VALID_MFA_CODE}"`,
    'region = "eu-west-1"',
    '',
    '[accounts]',
    'prod = "222222222222"',
  ];
  for (let i = 1; i < accounts; i++) lines.push(`account-${i} = "${String(300000000000 + i)}"`);
  lines.push('', '[roles]', 'admin = "OrganizationAccountAccessRole"', ...ROLES.slice(1).map((r) => `${r} = "${r[0]!.toUpperCase()}${r.slice(1)}"`), '');
  return lines.join('\n');
}

function furnish(t: TestEnv, home: TestHome, accounts: number): Env {
  home.write('.config/xacct/config.toml', profileMap(t, accounts));
  home.write('.aws/credentials', `[identity]\naws_access_key_id = ${t.user.accessKeyId}\naws_secret_access_key = ${t.user.secretAccessKey}\n`);
  home.write(
    '.aws/config',
    `[profile ${AWS_PROFILE}]\nrole_arn = arn:aws:iam::222222222222:role/OrganizationAccountAccessRole\nsource_profile = identity\nregion = eu-west-1\n`,
  );
  // The keyring's bus and the proxy's endpoints from t.env; HOME and XDG_* of this home.
  const env: Env = { ...(t.env as Env), ...(home.env as Env) };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export async function startWorld(): Promise<BenchWorld> {
  const t = await startEnv({ keyring: true, sts: true });
  const largeHome = makeHome();
  const entriesHome = makeHome();
  const small: Scale = { label: '50 profiles', profiles: 10 * ROLES.length, env: furnish(t, t.home, 10) };
  const large: Scale = { label: '25,000 profiles', profiles: 5_000 * ROLES.length, env: furnish(t, largeHome, 5_000) };
  const largeWithEntries: Scale = { label: '25,000 profiles and their entries in ~/.aws/config', profiles: large.profiles, env: furnish(t, entriesHome, 5_000) };
  return {
    t,
    small,
    large,
    largeWithEntries,
    stop: async () => {
      largeHome.cleanup();
      entriesHome.cleanup();
      await t.stop();
    },
  };
}
