/**
 * The AWS shared config and credentials files parsed exactly as the AWS SDK for JavaScript parses them
 * (`loadSharedConfigFiles` of @smithy/shared-ini-file-loader, whose parseIni and getConfigData live in
 * @smithy/core/config; Apache-2.0). A copy, kept line for line, because loading that package pulls in three more
 * modules of @smithy/core (~7 ms of CPU on every full-path `credential-process`, which otherwise loads nothing of the
 * SDK). test/unit/sdk-ini-parse.test.ts checks it against the installed SDK on generated files: when an SDK update
 * parses differently, that test fails and this copy follows it. The SDK's own reads still get xacct's text
 * (adapters/config-files/aws-shared-config.ts `shareAwsFilesWithSdk`).
 */

/** @smithy/types IniSectionType: the section prefixes the config file knows. */
const SECTION_TYPES = ['profile', 'sso-session', 'services'];
const PROFILE = 'profile';
const SEPARATOR = '.';

type Parsed = Record<string, Record<string, string>>;

const prefixKeyRegex = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
const profileNameBlockList = ['__proto__', 'profile __proto__'];

/** parseIni: sections by name (a config file's `[profile a]` as `profile.a`), keys of sub-sections as `s3.key`. */
function parseIni(iniData: string): Parsed {
  const map: Parsed = {};
  let currentSection: string | undefined;
  let currentSubSection: string | undefined;
  for (const iniLine of iniData.split(/\r?\n/)) {
    const trimmedLine = iniLine.split(/(^|\s)[;#]/)[0]!.trim();
    const isSection = trimmedLine[0] === '[' && trimmedLine[trimmedLine.length - 1] === ']';
    if (isSection) {
      currentSection = undefined;
      currentSubSection = undefined;
      const sectionName = trimmedLine.substring(1, trimmedLine.length - 1);
      const matches = prefixKeyRegex.exec(sectionName);
      if (matches) {
        const [, prefix, , name] = matches;
        if (SECTION_TYPES.includes(prefix!)) currentSection = [prefix, name].join(SEPARATOR);
      } else {
        currentSection = sectionName;
      }
      if (profileNameBlockList.includes(sectionName)) throw new Error(`Found invalid profile name "${sectionName}"`);
    } else if (currentSection) {
      const indexOfEqualsSign = trimmedLine.indexOf('=');
      if (![0, -1].includes(indexOfEqualsSign)) {
        const [name, value] = [trimmedLine.substring(0, indexOfEqualsSign).trim(), trimmedLine.substring(indexOfEqualsSign + 1).trim()];
        if (value === '') {
          currentSubSection = name;
        } else {
          if (currentSubSection && iniLine.trimStart() === iniLine) currentSubSection = undefined;
          const section = (map[currentSection] = map[currentSection] || {});
          const key = currentSubSection ? [currentSubSection, name].join(SEPARATOR) : name;
          section[key] = value;
        }
      }
    }
  }
  return map;
}

/** getConfigData: the config file's typed sections only, `profile.` taken off; `[default]` kept as it is. */
function getConfigData(data: Parsed): Parsed {
  return Object.entries(data)
    .filter(([key]) => {
      const indexOfSeparator = key.indexOf(SEPARATOR);
      if (indexOfSeparator === -1) return false;
      return SECTION_TYPES.includes(key.substring(0, indexOfSeparator));
    })
    .reduce<Parsed>(
      (acc, [key, value]) => {
        const indexOfSeparator = key.indexOf(SEPARATOR);
        const updatedKey = key.substring(0, indexOfSeparator) === PROFILE ? key.substring(indexOfSeparator + 1) : key;
        acc[updatedKey] = value;
        return acc;
      },
      { ...(data.default && { default: data.default }) },
    );
}

/** loadSharedConfigFiles on these texts: a file it cannot parse (`[__proto__]`) is an empty one, as there. */
export function parseSharedConfigFiles(configText: string | undefined, credentialsText: string | undefined): { configFile: Parsed; credentialsFile: Parsed } {
  const orEmpty = (parse: () => Parsed): Parsed => {
    try {
      return parse();
    } catch {
      return {};
    }
  };
  return {
    configFile: configText === undefined ? {} : orEmpty(() => getConfigData(parseIni(configText))),
    credentialsFile: credentialsText === undefined ? {} : orEmpty(() => parseIni(credentialsText)),
  };
}
