import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { removeProfileKeys } from '../../src/core/aws-credentials-edit.js';
import { ConfigError } from '../../src/core/errors.js';
import { scanIniSections, splitLines } from '../../src/core/ini-lines.js';

const KEYS = 'aws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = s3cr3t\n';

describe('removeProfileKeys', () => {
  it('removes the two lines and keeps the rest, CRLF and a missing final newline included', () => {
    const text = '[a]\r\nx = 1\r\n\r\n[identity]\r\naws_access_key_id=AKIAEXAMPLE000000001\r\nregion = eu-west-1\r\nAWS_SECRET_ACCESS_KEY = s3cr3t';
    expect(removeProfileKeys(text, 'identity')).toEqual({
      text: '[a]\r\nx = 1\r\n\r\n[identity]\r\nregion = eu-west-1\r\n',
      lines: [5, 7],
      sectionRemoved: false,
    });
  });

  it('removes the section when only blank lines are left, and keeps it when a comment is', () => {
    expect(removeProfileKeys(`[a]\nx = 1\n\n[identity]\n${KEYS}\n[b]\ny = 2\n`, 'identity')?.text).toBe('[a]\nx = 1\n\n[b]\ny = 2\n');
    expect(removeProfileKeys(`[identity]\n${KEYS}`, 'identity')).toEqual({ text: '', lines: [1, 2, 3], sectionRemoved: true });
    const commented = `[identity]\n# rotated in May\n${KEYS}`;
    expect(removeProfileKeys(commented, 'identity')).toEqual({ text: '[identity]\n# rotated in May\n', lines: [3, 4], sectionRemoved: false });
  });

  it('removes continuation lines of a key and touches no other profile with the same keys', () => {
    const text = `[identity]\naws_secret_access_key = s3cr3t\n  more\naws_access_key_id = AKIAEXAMPLE000000001\nregion = x\n[other]\n${KEYS}`;
    expect(removeProfileKeys(text, 'identity')?.text).toBe(`[identity]\nregion = x\n[other]\n${KEYS}`);
  });

  it('answers undefined when the profile or its keys are not there', () => {
    expect(removeProfileKeys(`[other]\n${KEYS}`, 'identity')).toBeUndefined();
    expect(removeProfileKeys('[identity]\nregion = x\n', 'identity')).toBeUndefined();
  });

  it('refuses a file that is not a credentials file, naming the line without quoting it', () => {
    const text = `[identity]\n${KEYS}wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`;
    expect(() => removeProfileKeys(text, 'identity', '/home/a/.aws/credentials')).toThrow(ConfigError);
    try {
      removeProfileKeys(text, 'identity', '/home/a/.aws/credentials');
    } catch (err) {
      expect((err as Error).message).toBe('/home/a/.aws/credentials:4: this line of the AWS credentials file is not a setting (key = value) nor a [section]');
    }
  });

  it('property: only the key lines of the profile (and its emptied header and blank lines) go; every other line stays, in order', () => {
    const name = fc.constantFrom('identity', 'other', 'default');
    const setting = fc.oneof(
      fc.constantFrom('aws_access_key_id = AKIAEXAMPLE000000001', 'aws_secret_access_key = s3cr3t', 'region = eu-west-1', 'output = json'),
      fc.constantFrom('', '# a comment', '; another'),
    );
    const section = fc.record({ name, body: fc.array(setting, { maxLength: 5 }) });
    const file = fc.record({
      sections: fc.array(section, { minLength: 1, maxLength: 5 }),
      eol: fc.constantFrom('\n', '\r\n'),
      finalEol: fc.boolean(),
    });
    let reached = 0;
    fc.assert(
      fc.property(file, ({ sections, eol, finalEol }) => {
        const lines = sections.flatMap((s) => [`[${s.name}]`, ...s.body]);
        const text = lines.join(eol) + (finalEol ? eol : '');
        const result = removeProfileKeys(text, 'identity');
        const target = sections.filter((s) => s.name === 'identity');
        const hasKeys = target.some((s) => s.body.some((l) => l.startsWith('aws_')));
        if (!hasKeys) {
          expect(result).toBeUndefined();
          return;
        }
        reached++;
        const after = scanIniSections(splitLines(result!.text), { what: 'x' });
        for (const s of after.filter((s) => s.header === 'identity')) expect(s.keys.map((k) => k.key)).not.toContain('aws_access_key_id');
        const others = (secs: { header: string; keys: { key: string; value: string }[] }[]) =>
          secs.filter((s) => s.header !== 'identity').map((s) => `${s.header}:${s.keys.map((k) => `${k.key}=${k.value}`).join(',')}`);
        expect(others(after)).toEqual(others(scanIniSections(splitLines(text), { what: 'x' })));
        // The remaining lines are the old ones minus the removed numbers, in order, each with its own ending.
        const old = splitLines(text);
        const removed = new Set(result!.lines.map((n) => n - 1));
        expect(result!.text).toBe(old.filter((_, i) => !removed.has(i)).map((l) => l.content + l.eol).join(''));
        for (const n of result!.lines) expect(/^(aws_|\[identity\]|\s*$)/.test(old[n - 1]!.content)).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(reached).toBeGreaterThan(80); // about a third of the runs reach the assertions
  });
});
