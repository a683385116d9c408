import inputs from '../../fast/inputs-stamp.cjs';
import { XacctError } from '../../core/errors.js';
import { scanIniSections, splitLines } from '../../core/ini-lines.js';
import type { AwsIniFile, IniProfile } from '../../core/profile-map/aws-config-profiles.js';
import type { FileStat } from '../../core/profile-map/types.js';
import { parseSharedConfigFiles } from '../../core/sdk-ini-parse.js';
import { keepForSdk } from './aws-files-for-sdk.js';
import { keptConfig, type KeptProfiles } from './kept-aws-config.js';
import { CACHED_FROM_BYTES, sha256 } from './parse-cache.js';
import { readOptionalFile } from './profile-map-file.js';

export interface AwsSharedConfig {
  /** ~/.aws/config (or AWS_CONFIG_FILE), when it exists. */
  readonly awsConfig?: AwsIniFile;
  /** ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE), when it exists. */
  readonly awsCredentials?: AwsIniFile;
}

/** Non-profile sections of the config file, which the loader returns with their prefix. */
const OTHER_SECTIONS = /^(sso-session|services)\./;

type Identity = string;

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
    return inputs.fileIdentity(file);
  } catch {
    return undefined; // unreadable: read it again, so that the error is the reader's
  }
}

/**
 * Reads the AWS shared config and credentials files, each once per process, and parses them the way the AWS SDK
 * does (core/sdk-ini-parse.ts). The text is kept too, for line numbers in messages. A later call for the
 * same files returns the same result while neither file changed (same inode, size and times: xacct's own edits
 * replace a file, so they count as a change). Every later read of the SDK in this process (its clients, fromIni)
 * parses the text read here rather than reading the files again (shareAwsFilesWithSdk): one read of each file.
 * `cacheFolder`: where a large config file's parse is kept between calls (see keptConfig).
 */
export async function readAwsSharedConfig(configFile: string, credentialsFile: string, cacheFolder?: string): Promise<AwsSharedConfig> {
  if (
    last &&
    last.configFile === configFile &&
    last.credentialsFile === credentialsFile &&
    last.identities[0] === currentIdentity(configFile) &&
    last.identities[1] === currentIdentity(credentialsFile)
  ) {
    return last.result;
  }
  const kept = cacheFolder ? keptConfig(cacheFolder, configFile) : undefined;
  const settled = kept?.bySettledIdentity();
  const readAt = Date.now();
  const config = settled ? undefined : readOptionalFile(configFile, 'the AWS config file');
  const credentials = readOptionalFile(credentialsFile, 'the AWS credentials file');
  if (kept && !settled && !(config && config.text.length >= CACHED_FROM_BYTES)) kept.forget();
  const identities = [settled?.identity ?? (config ? inputs.identityOf(config.stat) : 'absent'), credentials ? inputs.identityOf(credentials.stat) : 'absent'] as const;
  const source: ConfigSource | undefined = settled
    ? { kept: settled.parse, text: textOnDemand(configFile, settled) }
    : config && { text: config.text, stat: config.stat, readAt, ...(kept && config.text.length >= CACHED_FROM_BYTES ? { keep: kept } : {}) };
  const result = parse(configFile, source, credentialsFile, credentials?.text);
  last = { configFile, credentialsFile, identities, result };
  result.catch(() => (last = undefined));
  return result;
}

/** The config file as read: its text (and its kept parse, when large); or its kept parse alone, the text on demand. */
type ConfigSource =
  | { readonly text: string; readonly stat: FileStat; readonly readAt: number; readonly keep?: ReturnType<typeof keptConfig> }
  | { readonly kept: KeptProfiles; readonly text: () => string };

/**
 * The text of a config file served from its kept parse by its identity, when something asks for it (the SDK, once a
 * client is made): the same text, or an error if it changed since (the parse would not be of it).
 */
function textOnDemand(file: string, settled: { identity: string; digest: string }): () => string {
  let text: string | undefined;
  return () => {
    if (text !== undefined) return text;
    const read = readOptionalFile(file, 'the AWS config file');
    if (read && (inputs.identityOf(read.stat) === settled.identity || sha256(read.text) === settled.digest)) return (text = read.text);
    throw new XacctError(`${file} changed while xacct was running`, { hint: 'run the command again' });
  };
}

async function parse(configFile: string, config: ConfigSource | undefined, credentialsFile: string, credentialsText: string | undefined): Promise<AwsSharedConfig> {
  if (config === undefined && credentialsText === undefined) return {};
  const fromCache = config && ('kept' in config ? config.kept : undefined);
  const read = config && !('kept' in config) ? config : undefined;
  const kept = read?.keep?.forText(read.text, read.stat, read.readAt);
  const cached = fromCache ?? kept?.parse;
  // The SDK's loader skips a line it cannot read; the AWS CLI refuses the whole file, and so does
  // `aws-config --write`. Every command says the same: the file and line, exit 2.
  const hint = 'fix the file: the AWS CLI and xacct aws-config --write cannot read it either';
  if (read && !cached) scanIniSections(splitLines(read.text), { file: configFile, what: 'the AWS config', hint });
  if (credentialsText !== undefined) scanIniSections(splitLines(credentialsText), { file: credentialsFile, what: 'the AWS credentials file', hint });
  keepForSdk(configFile, config?.text);
  keepForSdk(credentialsFile, credentialsText);
  // A kept parse of the config file: the credentials file is parsed alone.
  const parsed = parseSharedConfigFiles(cached ? undefined : read?.text, credentialsText);
  const profiles = (data: Record<string, Record<string, string | undefined>>, isConfig: boolean) =>
    Object.fromEntries(Object.entries(data).filter(([name]) => !(isConfig && OTHER_SECTIONS.test(name)))) as Record<string, IniProfile>;
  const configProfiles = cached ? undefined : profiles(parsed.configFile, true);
  const lines = cached ? cached.lines : kept?.keep(configProfiles!);
  const configText = config && typeof config.text === 'function' ? config.text : undefined;

  return {
    awsConfig:
      config === undefined
        ? undefined
        : cached
          ? {
              file: configFile,
              get text() {
                return configText ? configText() : read!.text;
              },
              get profiles() {
                return cached.profiles();
              },
              lines: cached.lines,
              summary: cached.summary,
            }
          : { file: configFile, text: read!.text, profiles: configProfiles!, ...(lines ? { lines } : {}) },
    awsCredentials:
      credentialsText === undefined ? undefined : { file: credentialsFile, text: credentialsText, profiles: profiles(parsed.credentialsFile, false) },
  };
}
