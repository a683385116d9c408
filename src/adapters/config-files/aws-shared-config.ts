import { scanIniSections, splitLines } from '../../core/ini-lines.js';
import type { AwsIniFile, IniProfile } from '../../core/profile-map/aws-config-profiles.js';
import { readOptionalText } from './profile-map-file.js';

export interface AwsSharedConfig {
  /** ~/.aws/config (or AWS_CONFIG_FILE), when it exists. */
  readonly awsConfig?: AwsIniFile;
  /** ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE), when it exists. */
  readonly awsCredentials?: AwsIniFile;
}

/** Non-profile sections of the config file, which the loader returns with their prefix. */
const OTHER_SECTIONS = /^(sso-session|services)\./;

/**
 * Reads the AWS shared config and credentials files the way the AWS SDK does (@smithy/shared-ini-file-loader).
 * The text is read too, for line numbers in messages. The loader keeps file contents in a process-wide cache:
 * `ignoreCache` makes it read the files afresh (and refreshes that cache for the SDK's own later reads).
 */
export async function readAwsSharedConfig(configFile: string, credentialsFile: string): Promise<AwsSharedConfig> {
  const [configText, credentialsText] = await Promise.all([
    readOptionalText(configFile, 'the AWS config file'),
    readOptionalText(credentialsFile, 'the AWS credentials file'),
  ]);
  if (configText === undefined && credentialsText === undefined) return {};
  // The SDK's loader skips a line it cannot read; the AWS CLI refuses the whole file, and so does
  // `aws-config --write`. Every command says the same: the file and line, exit 2.
  const hint = 'fix the file: the AWS CLI and xacct aws-config --write cannot read it either';
  if (configText !== undefined) scanIniSections(splitLines(configText), { file: configFile, what: 'the AWS config', hint });
  if (credentialsText !== undefined) scanIniSections(splitLines(credentialsText), { file: credentialsFile, what: 'the AWS credentials file', hint });

  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  const parsed = await loadSharedConfigFiles({ filepath: credentialsFile, configFilepath: configFile, ignoreCache: true });
  const profiles = (data: Record<string, Record<string, string | undefined>>, isConfig: boolean) =>
    Object.fromEntries(Object.entries(data).filter(([name]) => !(isConfig && OTHER_SECTIONS.test(name)))) as Record<string, IniProfile>;

  return {
    awsConfig: configText === undefined ? undefined : { file: configFile, text: configText, profiles: profiles(parsed.configFile, true) },
    awsCredentials:
      credentialsText === undefined ? undefined : { file: credentialsFile, text: credentialsText, profiles: profiles(parsed.credentialsFile, false) },
  };
}
