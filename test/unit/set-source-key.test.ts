/** `mfa_serial` written into a source's table of the profile map, every other byte kept (xacct mfa enroll). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { withMfaSerial } from '../../src/core/profile-map/set-source-key.js';

const SERIAL = 'arn:aws:iam::123456789012:mfa/alice';
const REST = '\n[accounts]\nprod = "222222222222" # production\n\n[roles]\nadmin = "Admin"\n';

describe('withMfaSerial', () => {
  it('inserts the line right after the [sources.X] header, keeping comments, quoting and CRLF', () => {
    const text = `# my map\r\n[sources.other]\r\nregion = "us-east-1"\r\n\r\n[ sources . "identity" ]  # mine\r\nregion = "eu-west-1"\r\ndefault = true\r\n${REST.replace(/\n/g, '\r\n')}`;
    const out = withMfaSerial(text, 'c.toml', 'identity', SERIAL);
    expect(out).toBe(text.replace('# mine\r\n', `# mine\r\nmfa_serial = "${SERIAL}"\r\n`));
  });

  it('writes into an inline table of [sources]', () => {
    const text = `[sources]\nidentity = { region = "eu-west-1", default = true }\nempty = {}\n${REST}`;
    expect(withMfaSerial(text, 'c.toml', 'identity', SERIAL)).toBe(text.replace('identity = { region', `identity = { mfa_serial = "${SERIAL}", region`));
    expect(withMfaSerial(text, 'c.toml', 'empty', SERIAL)).toBe(text.replace('empty = {}', `empty = { mfa_serial = "${SERIAL}" }`));
  });

  it('appends a [sources.X] table when the map has no such source, whatever the end of the file', () => {
    const text = `# nothing but a backend yet\nbackend = "os"`;
    expect(withMfaSerial(text, 'c.toml', 'identity', SERIAL)).toBe(`${text}\n\n[sources.identity]\nmfa_serial = "${SERIAL}"\n`);
    expect(withMfaSerial(`${text}\n\n`, 'c.toml', 'identity', SERIAL)).toBe(`${text}\n\n[sources.identity]\nmfa_serial = "${SERIAL}"\n`);
    expect(withMfaSerial('', 'c.toml', 'identity', SERIAL)).toBe(`[sources.identity]\nmfa_serial = "${SERIAL}"\n`);
  });

  it('refuses what it cannot edit safely, saying which line to add', () => {
    const dotted = `sources.identity.region = "eu-west-1"\n${REST}`;
    expect(() => withMfaSerial(dotted, 'c.toml', 'identity', SERIAL)).toThrow(ConfigError);
    expect(() => withMfaSerial(dotted, 'c.toml', 'identity', SERIAL)).toThrow(/^c\.toml: cannot add mfa_serial to source 'identity' of this profile map by itself$/);
    try {
      withMfaSerial(dotted, 'c.toml', 'identity', SERIAL);
    } catch (err) {
      expect((err as ConfigError).hint).toBe(`add this line to [sources.identity] yourself: mfa_serial = "${SERIAL}"`);
    }
  });
});
