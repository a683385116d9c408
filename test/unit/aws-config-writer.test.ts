import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAwsConfigEntries, type FileOps } from '../../src/adapters/config-files/aws-config-writer.js';
import { awsConfigEntries } from '../../src/core/aws-config-entries.js';
import { ConfigError, XacctError } from '../../src/core/errors.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';

const entries = awsConfigEntries([
  { name: 'prod-admin', origin: 'generated' } as ProfilePlan,
  { name: 'staging-readonly', origin: 'generated', region: 'us-east-1' } as ProfilePlan,
]);
const BLOCK =
  '[profile prod-admin]\ncredential_process = xacct credential-process prod-admin\n\n' +
  '[profile staging-readonly]\ncredential_process = xacct credential-process staging-readonly\nregion = us-east-1\n';
const ORIGINAL = '# mine\n[default]\nregion = eu-west-1\n';

let home: string;
let awsDir: string;
let config: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'xacct-awsconfig-'));
  awsDir = join(home, '.aws');
  config = join(awsDir, 'config');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function existing(text: string | Buffer, mode = 0o640): void {
  mkdirSync(awsDir, { recursive: true });
  writeFileSync(config, text);
  chmodSync(config, mode);
}

describe('writeAwsConfigEntries', () => {
  it('creates a missing file (and folder) with mode 0600 and no backup', async () => {
    const result = await writeAwsConfigEntries(config, entries);
    expect(readFileSync(config, 'utf8')).toBe(BLOCK);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(result.backup).toBeUndefined();
    expect(readdirSync(awsDir)).toEqual(['config']);
  });

  it("merges into an existing file, keeping its mode and the previous bytes in a backup", async () => {
    existing(ORIGINAL, 0o664);
    const result = await writeAwsConfigEntries(config, entries);
    expect(readFileSync(config, 'utf8')).toBe(`${ORIGINAL}\n${BLOCK}`);
    expect(statSync(config).mode & 0o777).toBe(0o664);
    expect(result.backup).toBe(`${config}.xacct-backup`);
    expect(readFileSync(`${config}.xacct-backup`, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(awsDir).sort()).toEqual(['config', 'config.xacct-backup']);
  });

  it('does not touch the file the second time: same bytes, same mtime, same backup', async () => {
    existing(ORIGINAL);
    await writeAwsConfigEntries(config, entries);
    const past = new Date('2020-01-01T00:00:00Z');
    utimesSync(config, past, past);
    const result = await writeAwsConfigEntries(config, entries);
    expect(result.changed).toBe(false);
    expect(result.backup).toBeUndefined();
    expect(statSync(config).mtime.getTime()).toBe(past.getTime());
    expect(readFileSync(`${config}.xacct-backup`, 'utf8')).toBe(ORIGINAL);
  });

  it('writes through a symlinked config, leaving the link in place', async () => {
    const real = join(home, 'dotfiles-aws-config');
    writeFileSync(real, ORIGINAL);
    mkdirSync(awsDir);
    symlinkSync(real, config);
    await writeAwsConfigEntries(config, entries);
    expect(lstatSync(config).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe(`${ORIGINAL}\n${BLOCK}`);
  });

  it('keeps a byte order mark', async () => {
    existing(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ORIGINAL)]));
    await writeAwsConfigEntries(config, entries);
    expect([...readFileSync(config).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('writes nothing when the file cannot be read as an AWS config', async () => {
    const bad = '[default]\nnot a setting\n';
    existing(bad);
    await expect(writeAwsConfigEntries(config, entries)).rejects.toThrow(ConfigError);
    await expect(writeAwsConfigEntries(config, entries)).rejects.toThrow(`${config}:2: `);
    expect(readFileSync(config, 'utf8')).toBe(bad);
    expect(readdirSync(awsDir)).toEqual(['config']);
  });

  it('writes nothing when the file is not UTF-8', async () => {
    existing(Buffer.from([0x5b, 0xff, 0x5d, 0x0a]));
    await expect(writeAwsConfigEntries(config, entries)).rejects.toThrow(/not UTF-8/);
    expect(readdirSync(awsDir)).toEqual(['config']);
  });

  it('leaves the original intact and no temp file behind when the final rename fails', async () => {
    existing(ORIGINAL);
    const { rename } = await import('node:fs/promises');
    const failingRename: FileOps['rename'] = async (from, to) => {
      if (to === config) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      return rename(from, to);
    };
    const err = await writeAwsConfigEntries(config, entries, { fileOps: { rename: failingRename } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XacctError);
    expect((err as XacctError).message).toBe(`cannot write ${config}: EIO`);
    expect((err as XacctError).hint).toBe('the file was left as it was');
    expect(readFileSync(config, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(awsDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves no temp file behind when writing it fails', async () => {
    existing(ORIGINAL);
    const { chmod } = await import('node:fs/promises');
    const failingChmod: FileOps['chmod'] = async (path, mode) => {
      if (String(path).includes('.config.')) throw Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' });
      return chmod(path, mode);
    };
    await expect(writeAwsConfigEntries(config, entries, { fileOps: { chmod: failingChmod } })).rejects.toThrow(/^cannot write \S+\/\.aws\/config(\.xacct-backup)?: no space left on the device$/);
    expect(readFileSync(config, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(awsDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(config)).toBe(true);
  });
});
