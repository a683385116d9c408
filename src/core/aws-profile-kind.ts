/**
 * The one classifier of AWS profiles: how the AWS SDK would get credentials from a profile of ~/.aws/config and
 * ~/.aws/credentials (in the order of the SDK's credential-provider-ini `resolveProfileData`), and which settings
 * give credentials at all.
 */

/** A profile's settings, as the shared-ini loader reads them. */
export type IniProfile = Readonly<Record<string, string | undefined>>;

/** How an AWS profile gives credentials, as the AWS SDK would resolve it. */
export type AwsProfileKind = 'static keys' | 'role_arn' | 'SSO' | 'credential_process' | 'web identity' | 'no credentials' | 'missing';

/** Keys in ~/.aws/credentials win over the same profile's settings in ~/.aws/config, as in the SDKs. */
export function awsProfileKind(inCredentials: IniProfile | undefined, inConfig?: IniProfile): AwsProfileKind {
  return classify(inCredentials, inConfig).kind;
}

/** The setting that makes the profile of that kind (`aws_access_key_id`, `sso_session`…), for messages. */
export function credentialSettingOf(inCredentials: IniProfile | undefined, inConfig?: IniProfile): string | undefined {
  return classify(inCredentials, inConfig).setting;
}

function classify(inCredentials: IniProfile | undefined, inConfig: IniProfile | undefined): { kind: AwsProfileKind; setting?: string } {
  if (!inCredentials && !inConfig) return { kind: 'missing' };
  const s = { ...inConfig, ...inCredentials };
  if (s.role_arn && (s.source_profile || s.credential_source)) return { kind: 'role_arn', setting: 'role_arn' };
  if (s.aws_access_key_id && s.aws_secret_access_key) return { kind: 'static keys', setting: 'aws_access_key_id' };
  if (s.web_identity_token_file) return { kind: 'web identity', setting: 'web_identity_token_file' };
  if (s.credential_process) return { kind: 'credential_process', setting: 'credential_process' };
  if (s.sso_session || s.sso_start_url) return { kind: 'SSO', setting: s.sso_session ? 'sso_session' : 'sso_start_url' };
  return { kind: 'no credentials' };
}

/** Every setting by which a profile gets its credentials: a section with any of them is about credentials. */
export const CREDENTIAL_SETTINGS: ReadonlySet<string> = new Set([
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_security_token',
  'role_arn',
  'source_profile',
  'credential_source',
  'credential_process',
  'web_identity_token_file',
  'sso_session',
  'sso_start_url',
  'sso_account_id',
  'sso_role_name',
  'login_session',
]);

/** Why xacct cannot assume a role profile (one with role_arn) itself; undefined when it can. */
export function unservableRoleProfile(p: IniProfile): string | undefined {
  if (p.credential_source) return 'it takes its credentials from credential_source, which only the AWS SDK serves';
  if (p.web_identity_token_file) return 'it uses web_identity_token_file, which only the AWS SDK serves';
  if (!p.source_profile) return 'it has role_arn but no source_profile';
  return undefined;
}
