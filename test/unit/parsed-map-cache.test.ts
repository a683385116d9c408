import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'smol-toml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CACHED_FROM_BYTES, cachedMapParser, jsonSafe } from '../../src/adapters/config-files/parsed-map-cache.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-parsed-'));
  dirs.push(dir);
  return { folder: join(dir, 'cache', 'parsed-maps'), file: join(dir, 'config.toml') };
}

/** A map of `n` accounts: large enough to be cached from about 2,000 on. */
function mapText(n: number, id = '222222222222'): string {
  const lines = ['[sources.identity]', '', '[accounts]', `prod = "${id}"`];
  for (let i = 0; i < n; i++) lines.push(`account-${i} = "${String(300000000000 + i)}"`);
  return `${lines.join('\n')}\n\n[roles]\nadmin = "Admin"\n`;
}

/** Parses as loadProfileMap does when the map it makes is valid: then keeps what it parsed. */
function parseKept(folder: string, text: string, file: string) {
  const parser = cachedMapParser(folder);
  const doc = parser.parse(text, file);
  parser.keep();
  return doc;
}

const cacheFiles = (folder: string) => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.json')) : []);
/** The copy is written in the background; vitest's default 1 s is too short on a busy machine. */
const WRITTEN = { timeout: 15_000, interval: 20 };
const written = (folder: string) => vi.waitFor(() => expect(cacheFiles(folder)).toHaveLength(1), WRITTEN);

describe('the cache of parsed profile maps', () => {
  it('leaves a small map alone: parsed, nothing written', async () => {
    const { folder, file } = setUp();
    const text = mapText(10);
    expect(text.length).toBeLessThan(CACHED_FROM_BYTES);
    expect(parseKept(folder, text, file).doc.accounts).toMatchObject({ prod: '222222222222' });
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(folder)).toBe(false);
  });

  it('writes nothing for a large map that was not kept (refused when built)', async () => {
    const { folder, file } = setUp();
    const text = mapText(3_000);
    expect(text.length).toBeGreaterThanOrEqual(CACHED_FROM_BYTES);
    const parser = cachedMapParser(folder);
    expect(parser.parse(text, file).doc.accounts).toMatchObject({ prod: '222222222222' });
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(folder)).toBe(false);
    parser.keep();
    await written(folder); // the same parse, kept: written
  });

  it('keeps the parse of a large map in a private file, and reads it back while the text is the same', async () => {
    const { folder, file } = setUp();
    const text = mapText(3_000);
    expect(text.length).toBeGreaterThanOrEqual(CACHED_FROM_BYTES);
    const first = parseKept(folder, text, file);
    await written(folder);
    const [name] = cacheFiles(folder);
    const cacheFile = join(folder, name!);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);

    // What the next call returns comes from the file (changed here behind its back), not from parsing.
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { doc: { map: { accounts: Record<string, string> } } };
    cached.doc.map.accounts.prod = '999999999999';
    writeFileSync(cacheFile, JSON.stringify(cached), { mode: 0o600 });
    const second = parseKept(folder, text, file);
    expect(second.doc.accounts).toMatchObject({ prod: '999999999999', 'account-2999': '300000002999' });
    expect(second.text).toBe(text);
    expect(first.doc.accounts).toMatchObject({ prod: '222222222222' });
  });

  it('parses again when the text changed, when the file is not private, has another name or is a link, is in a folder of another user, or is not JSON', async () => {
    const { folder, file } = setUp();
    const parse = (t: string, f: string) => parseKept(folder, t, f);
    const text = mapText(3_000);
    parse(text, file);
    await written(folder);
    const cacheFile = join(folder, cacheFiles(folder)[0]!);
    const good = JSON.parse(readFileSync(cacheFile, 'utf8')) as { sha256: string; doc: { map: { accounts: Record<string, string> } } };
    expect(good.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    good.doc.map.accounts.prod = '999999999999';
    const planted = (mode: number, body = JSON.stringify(good)) => {
      rmSync(cacheFile, { force: true });
      writeFileSync(cacheFile, body, { mode });
      chmodSync(cacheFile, mode);
    };
    planted(0o600);
    expect(parse(text, file).doc.accounts).toMatchObject({ prod: '999999999999' }); // the planted parse is used…

    planted(0o600);
    expect(parse(mapText(3_000, '333333333333'), file).doc.accounts).toMatchObject({ prod: '333333333333' }); // …not for another text
    await vi.waitFor(() => expect(readFileSync(cacheFile, 'utf8')).toContain('333333333333'), WRITTEN);

    planted(0o666);
    expect(parse(text, file).doc.accounts).toMatchObject({ prod: '222222222222' }); // nor when others can write it
    await vi.waitFor(() => expect(statSync(cacheFile).mode & 0o777).toBe(0o600), WRITTEN);

    planted(0o600);
    const elsewhere = join(folder, '..', 'elsewhere.json');
    writeFileSync(elsewhere, readFileSync(cacheFile), { mode: 0o600 });
    rmSync(cacheFile);
    symlinkSync(elsewhere, cacheFile);
    expect(parse(text, file).doc.accounts).toMatchObject({ prod: '222222222222' }); // nor through a link
    await vi.waitFor(() => expect(lstatSync(cacheFile).isSymbolicLink()).toBe(false), WRITTEN);
    planted(0o600);
    linkSync(cacheFile, elsewhere + '.2');
    expect(parse(text, file).doc.accounts).toMatchObject({ prod: '222222222222' }); // nor with another name
    rmSync(elsewhere + '.2');

    if (process.getuid?.() === 0) {
      // A cache folder another user owns (a shared XDG_CACHE_HOME): what is in it is not used.
      planted(0o600);
      chownSync(folder, 54322, 54322);
      expect(parse(text, file).doc.accounts).toMatchObject({ prod: '222222222222' });
      chownSync(folder, 0, 0);
    }

    planted(0o600, '{"v":1,');
    expect(parse(text, file).doc.accounts).toMatchObject({ prod: '222222222222' });
    await vi.waitFor(() => expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toMatchObject({ v: 2, file }), WRITTEN); // rewritten
  });

  it('keeps no command line: mfa_process and on_assume come back from the text on a hit, equal to a fresh parse', async () => {
    const { folder, file } = setUp();
    const seed = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const sources =
      `[sources.identity]\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"\nmfa_process = "oathtool --totp -b ${seed}"\n\n` +
      `[sources.ci]\nmfa_serial = "arn:aws:iam::111111111111:mfa/ci"\nmfa_process = '''oathtool --totp -b ${seed}B'''\n`;
    const text = `on_assume = 'notify-send "assumed" --hint=${seed}A'\n` + mapText(3_000).replace('[sources.identity]\n', sources);
    const fresh = parse(text);
    expect(parseKept(folder, text, file).doc).toEqual(fresh);
    await written(folder);
    const kept = readFileSync(join(folder, cacheFiles(folder)[0]!), 'utf8');
    expect(kept).not.toContain(seed);
    expect(kept).not.toContain('oathtool');
    expect(kept).not.toContain('notify-send');
    expect((JSON.parse(kept) as { doc: { map: { sources: Record<string, { mfa_process: string }> } } }).doc.map.sources.identity!.mfa_process).toBe('');
    expect(parseKept(folder, text, file).doc).toEqual(fresh); // the hit, with the command lines read back from the text
  });

  it('keeps nothing for a map with a command line in a multi-line string (no one line gives it back)', async () => {
    const { folder, file } = setUp();
    const text = mapText(3_000).replace('[sources.identity]\n', '[sources.identity]\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"\nmfa_process = """\noathtool --totp -b JBSWY3DPEHPK3PXP"""\n');
    expect(parseKept(folder, text, file).doc).toEqual(parse(text));
    await new Promise((r) => setTimeout(r, 100));
    expect(cacheFiles(folder)).toEqual([]);
  });

  it('removes a kept parse once it no longer stands for the file: the map changed (and was refused), became small, or it holds command lines (an older copy)', async () => {
    const { folder, file } = setUp();
    const text = mapText(3_000);
    parseKept(folder, text, file);
    await written(folder);
    const [name] = cacheFiles(folder);
    const cacheFile = join(folder, name!);
    const copy = readFileSync(cacheFile, 'utf8');

    // Another text whose map is refused (not kept): the copy of the old text goes all the same.
    cachedMapParser(folder).parse(mapText(3_001), file);
    expect(existsSync(cacheFile)).toBe(false);

    writeFileSync(cacheFile, copy, { mode: 0o600 });
    parseKept(folder, mapText(10), file);
    expect(existsSync(cacheFile)).toBe(false);

    // A copy as an earlier xacct kept it: the whole parse, command lines included. Removed, then kept without them.
    const withCommand = text.replace('[sources.identity]\n', '[sources.identity]\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"\nmfa_process = "oathtool --totp -b JBSWY3DPEHPK3PXP"\n');
    const digest = createHash('sha256').update(withCommand).digest('hex');
    writeFileSync(cacheFile, JSON.stringify({ v: 1, file, sha256: digest, doc: parse(withCommand) }), { mode: 0o600 });
    const parser = cachedMapParser(folder);
    expect(parser.parse(withCommand, file).doc).toEqual(parse(withCommand));
    expect(existsSync(cacheFile)).toBe(false);
    parser.keep();
    await written(folder);
    expect(readFileSync(cacheFile, 'utf8')).not.toContain('JBSWY3DPEHPK3PXP');
  });

  it('removes the copies of maps whose file is gone (deleted, moved) when a copy is next written; others stay', async () => {
    const { folder, file } = setUp();
    const gone = join(dirname(file), 'team.toml');
    const other = join(dirname(file), 'other.toml');
    for (const f of [gone, other]) {
      writeFileSync(f, mapText(3_000));
      parseKept(folder, mapText(3_000), f);
    }
    await vi.waitFor(() => expect(cacheFiles(folder)).toHaveLength(2), WRITTEN);
    const awsCopy = join(folder, 'aws-config-0123456789abcdef0123456789abcdef.json');
    writeFileSync(awsCopy, JSON.stringify({ v: 1, file: join(dirname(file), 'no-such-config'), sha256: 'x', doc: {} }), { mode: 0o600 });
    rmSync(gone);
    parseKept(folder, mapText(3_000), file);
    await vi.waitFor(() => expect(cacheFiles(folder)).toHaveLength(3), WRITTEN); // the new copy, other's, and the AWS config's
    const files = cacheFiles(folder).map((n) => (JSON.parse(readFileSync(join(folder, n), 'utf8')) as { file: string }).file);
    expect(files.sort()).toEqual([file, other, join(dirname(file), 'no-such-config')].sort());
  });

  it('keeps only what JSON gives back as it was', () => {
    expect(jsonSafe({ a: ['x', 1, true, { b: 2.5 }] })).toBe(true);
    for (const v of [new Date(0), Infinity, NaN, -0, 1n, undefined, null]) expect(jsonSafe({ a: v })).toBe(false);
  });
});
