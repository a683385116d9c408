import { statSync, type BigIntStats } from 'node:fs';
import type * as IniLoader from '@smithy/shared-ini-file-loader';
import { scanIniSections, splitLines } from '../../core/ini-lines.js';
import type { AwsIniFile, IniProfile } from '../../core/profile-map/aws-config-profiles.js';
import { sdkLoader } from '../aws-client-config.js';
import { readOptionalFile } from './profile-map-file.js';

export interface AwsSharedConfig {
  /** ~/.aws/config (or AWS_CONFIG_FILE), when it exists. */
  readonly awsConfig?: AwsIniFile;
  /** ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE), when it exists. */
  readonly awsCredentials?: AwsIniFile;
}

/** Non-profile sections of the config file, which the loader returns with their prefix. */
const OTHER_SECTIONS = /^(sso-session|services)\./;

const iniLoader = sdkLoader<typeof IniLoader>('@smithy/shared-ini-file-loader');

type Identity = string;
const identityOf = (st: Pick<BigIntStats, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs'>): Identity =>
  `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;

interface Read {
  readonly configFile: string;
  readonly credentialsFile: string;
  /** Of each file as read ('absent' when it did not exist). */
  readonly identities: readonly [Identity, Identity];
  readonly result: Promise<AwsSharedConfig>;
}

/** What this process read last: the profile map, the source loader and doctor all ask for the same two files. */
let last: Read | undefined;

function currentIdentity(file: string): Identity | undefined {
  try {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    return st ? identityOf(st) : 'absent';
  } catch {
    return undefined; // unreadable: read it again, so that the error is the reader's
  }
}

/**
 * Reads the AWS shared config and credentials files, each once per process, and parses them the way the AWS SDK
 * does (@smithy/shared-ini-file-loader). The text is kept too, for line numbers in messages. A later call for the
 * same files returns the same result while neither file changed (same inode, size and times: xacct's own edits
 * replace a file, so they count as a change). The loader parses the text read here rather than reading the files
 * itself, and so does every later read of the SDK in this process (fromIni): one read of each file.
 */
export async function readAwsSharedConfig(configFile: string, credentialsFile: string): Promise<AwsSharedConfig> {
  if (
    last &&
    last.configFile === configFile &&
    last.credentialsFile === credentialsFile &&
    last.identities[0] === currentIdentity(configFile) &&
    last.identities[1] === currentIdentity(credentialsFile)
  ) {
    return last.result;
  }
  const config = readOptionalFile(configFile, 'the AWS config file');
  const credentials = readOptionalFile(credentialsFile, 'the AWS credentials file');
  const identities = [config ? identityOf(config.stat) : 'absent', credentials ? identityOf(credentials.stat) : 'absent'] as const;
  const result = parse(configFile, config?.text, credentialsFile, credentials?.text);
  last = { configFile, credentialsFile, identities, result };
  result.catch(() => (last = undefined));
  return result;
}

async function parse(configFile: string, configText: string | undefined, credentialsFile: string, credentialsText: string | undefined): Promise<AwsSharedConfig> {
  if (configText === undefined && credentialsText === undefined) return {};
  // The SDK's loader skips a line it cannot read; the AWS CLI refuses the whole file, and so does
  // `aws-config --write`. Every command says the same: the file and line, exit 2.
  const hint = 'fix the file: the AWS CLI and xacct aws-config --write cannot read it either';
  if (configText !== undefined) scanIniSections(splitLines(configText), { file: configFile, what: 'the AWS config', hint });
  if (credentialsText !== undefined) scanIniSections(splitLines(credentialsText), { file: credentialsFile, what: 'the AWS credentials file', hint });
  const { externalDataInterceptor, loadSharedConfigFiles } = iniLoader();
  // The loader keeps what it read in a process-wide cache; this puts our text there (a missing file as empty).
  externalDataInterceptor.interceptFile(configFile, configText ?? '');
  externalDataInterceptor.interceptFile(credentialsFile, credentialsText ?? '');
  const parsed = await loadSharedConfigFiles({ filepath: credentialsFile, configFilepath: configFile });
  const profiles = (data: Record<string, Record<string, string | undefined>>, isConfig: boolean) =>
    Object.fromEntries(Object.entries(data).filter(([name]) => !(isConfig && OTHER_SECTIONS.test(name)))) as Record<string, IniProfile>;

  return {
    awsConfig: configText === undefined ? undefined : { file: configFile, text: configText, profiles: profiles(parsed.configFile, true) },
    awsCredentials:
      credentialsText === undefined ? undefined : { file: credentialsFile, text: credentialsText, profiles: profiles(parsed.credentialsFile, false) },
  };
}
