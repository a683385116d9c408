/**
 * xacct parses the AWS files itself (src/core/sdk-ini-parse.ts) so that the full path loads nothing of the SDK; the
 * profiles it sees must be exactly those the installed SDK sees. Generated files of the lines that matter to the
 * SDK's parser (headers with and without a known prefix, quotes, comments, sub-sections, indentation, CRLF, the
 * names it refuses) are parsed by both. When an SDK update parses differently, this fails: update the copy.
 */
import { createRequire } from 'node:module';
import type * as IniLoader from '@smithy/shared-ini-file-loader';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSharedConfigFiles } from '../../src/core/sdk-ini-parse.js';

const { externalDataInterceptor, loadSharedConfigFiles } = createRequire(import.meta.url)('@smithy/shared-ini-file-loader') as typeof IniLoader;

// No names of Object.prototype (toString, constructor…) for sections: the SDK's parser writes settings onto those
// functions (so does the copy), which would leak into this process.
const HEADERS = [
  '[default]',
  '[profile a]',
  '[profile  a]',
  '[profile "a"]',
  "[profile 'b']",
  '[profile "a\']',
  '[profile a.b]',
  '[profile a@b+c%d:e/f]',
  '[profile a b]',
  '[profile]',
  '[sso-session s]',
  '[services svc]',
  '[other x]',
  '[a]',
  '[ a ]',
  '[b] ; comment',
  '[b]#not a comment',
  '[b] # comment',
  '[]',
  '[profile evil]x]',
  '  [profile a]',
  '[profile a',
];
/** The SDK refuses a file with one of these (it parses as empty). */
const REFUSED = ['[__proto__]', '[profile __proto__]'];
const SETTINGS = [
  'region = eu-west-1',
  'region=us-east-1',
  '  region = indented',
  'output = json ; comment',
  'output = json;not a comment',
  'output = a#b',
  'output = # c',
  'role_arn = arn:aws:iam::222222222222:role/R',
  'aws_access_key_id = AKIAEXAMPLE',
  'source_profile = a',
  's3 =',
  '  max_concurrent_requests = 4',
  // A sub-section with its settings ("|": a line break).
  's3 =|  max_concurrent_requests = 4|  addressing_style = path',
  'sts =|\tregional = yes|region = after',
  '\tmax_bandwidth = 1MB/s',
  'sts =',
  '=value',
  'key = v = w',
  '__proto__ = x',
  'toString = y',
  '# comment',
  '; comment',
  '',
  '   ',
  'junk',
];

const file = fc
  .tuple(
    fc.array(fc.oneof({ arbitrary: fc.constantFrom(...HEADERS), weight: 10 }, { arbitrary: fc.constantFrom(...REFUSED), weight: 1 }, { arbitrary: fc.constantFrom(...SETTINGS), weight: 20 }), { minLength: 4, maxLength: 24 }),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
  )
  .map(([lines, eol, last]) => (lines.join(eol) + (last ? eol : '')).replaceAll('|', eol));

let n = 0;
async function sdkParse(config: string, credentials: string) {
  // The loader caches by path: fresh names for every case.
  const paths = { configFilepath: `/nonexistent/xacct-ini-${++n}/config`, filepath: `/nonexistent/xacct-ini-${n}/credentials` };
  externalDataInterceptor.interceptFile(paths.configFilepath, config);
  externalDataInterceptor.interceptFile(paths.filepath, credentials);
  return loadSharedConfigFiles(paths);
}

describe('xacct parses the AWS files as the installed SDK does', () => {
  it('generated config and credentials files: the same sections and settings', async () => {
    const reached = { profiles: 0, subSections: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(file, file, async (config, credentials) => {
        const ours = parseSharedConfigFiles(config, credentials);
        expect(ours).toEqual(await sdkParse(config, credentials));
        if (Object.keys(ours.configFile).length > 0) reached.profiles++;
        if (Object.values(ours.configFile).some((s) => Object.keys(s).some((k) => k.includes('.')))) reached.subSections++;
        if (/\[(profile )?__proto__\]/.test(config) && Object.keys(ours.configFile).length === 0) reached.refused++;
      }),
      { numRuns: 400 },
    );
    // The generator reaches what it is for: profiles, sub-section keys, and files the SDK refuses whole.
    expect(reached.profiles).toBeGreaterThan(100);
    expect(reached.subSections).toBeGreaterThan(20);
    expect(reached.refused).toBeGreaterThan(20);
  });

  it('a missing file is an empty one', () => {
    expect(parseSharedConfigFiles(undefined, undefined)).toEqual({ configFile: {}, credentialsFile: {} });
    expect(parseSharedConfigFiles('[profile a]\nregion = x\n', undefined)).toEqual({ configFile: { a: { region: 'x' } }, credentialsFile: {} });
  });
});
