/**
 * V8's code cache of the packages xacct loads (src/adapters/module-code-cache.cts, installed by the launcher,
 * src/launch-bundle.cts): in a node of its own each time, as calls are. It is used only for the exact text of a file
 * and with data that is exactly what was written, refused when damaged or made by another V8 build or flags, never
 * read from a folder or file someone else could have written, and a command works the same without it.
 */
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEnv } from '../helpers/env.js';
import { makeHome } from '../helpers/home.js';
import { ROOT, run, runCli } from '../helpers/run-cli.js';

const home = makeHome();
afterAll(() => home.cleanup());
const folder = home.path('.cache/xacct/code-cache');
const env = { ...home.env, XACCT_DEBUG: '1' };

/** A package of one file, as the SDK's are: a fixture under a node_modules folder. */
const pkg = home.write('app/node_modules/fixture/index.js', 'module.exports = "AAAA";\n');
const driver = home.write(
  'app/load.cjs',
  `require(${JSON.stringify(join(ROOT, 'dist/launch-bundle.cjs'))}).installPackageCodeCache(process.env);\n` +
    `for (const name of process.argv.slice(2)) {\n` +
    `  const m = require(name === 'fixture' ? './node_modules/fixture' : require.resolve(name, { paths: [${JSON.stringify(ROOT)}] }));\n` +
    `  console.log(typeof m === 'string' ? m : 'loaded');\n` +
    `}\n`,
);

/** Loads the packages in a fresh node; what it printed, and the cache's debug line ("N of M files …"). */
async function load(names: string[] = ['fixture'], nodeOptions: string[] = []) {
  const r = await run(process.execPath, [...nodeOptions, driver, ...names], { env, cwd: home.path('app') });
  expect(r.code, r.stderr).toBe(0);
  const line = /code cache of packages: (\d+) of (\d+) files compiled with it(; writing)?/.exec(r.stderr);
  return { out: r.stdout.trim(), fromCache: Number(line?.[1]), of: Number(line?.[2]), wrote: Boolean(line?.[3]) };
}

const cacheFile = () => join(folder, readdirSync(folder).find((f) => f.endsWith('.bin'))!);

describe('the code cache of packages', () => {
  it('is written privately after a first load, then used, but only for the exact text it was made from', async () => {
    expect(await load()).toEqual({ out: 'AAAA', fromCache: 0, of: 1, wrote: true });
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
    expect(await load()).toEqual({ out: 'AAAA', fromCache: 1, of: 1, wrote: false });
    // The same length: V8 itself would take the old data (it checks only the length) and run the old text.
    writeFileSync(pkg, 'module.exports = "BBBB";\n');
    expect(await load()).toEqual({ out: 'BBBB', fromCache: 0, of: 1, wrote: true });
    expect(await load()).toEqual({ out: 'BBBB', fromCache: 1, of: 1, wrote: false });
  });

  it('holds the AWS SDK\'s STS client, file by file', async () => {
    const first = await load(['@aws-sdk/client-sts']);
    expect(first.of).toBeGreaterThan(10);
    expect(await load(['@aws-sdk/client-sts', 'fixture'])).toEqual({ out: 'loaded\nBBBB', fromCache: first.of + 1, of: first.of + 1, wrote: false });
  });

  it('is refused when damaged, cut short, or made by another V8 build or flags', async () => {
    const good = readFileSync(cacheFile());
    const dataStart = good.indexOf(10, good.indexOf(10, good.indexOf(10) + 1) + 1) + 1; // after the magic, index and resolutions
    const damaged = Buffer.from(good);
    for (let i = dataStart + 16; i < good.length; i += 97) damaged[i] = damaged[i]! ^ 0x5a; // V8 would crash on it
    for (const bytes of [damaged, good.subarray(0, good.length - 200), Buffer.from('xacct-code-cache 2\n[[1,2\nnull\n')]) {
      writeFileSync(cacheFile(), bytes, { mode: 0o600 });
      expect(await load(['@aws-sdk/client-sts', 'fixture'])).toMatchObject({ out: 'loaded\nBBBB', fromCache: 0, wrote: true });
    }
    expect(await load(['fixture'])).toMatchObject({ fromCache: 1 }); // rewritten whole
    // V8 refuses data made under other flags (as it does data of another version): compiled as without it.
    expect(await load(['fixture'], ['--no-lazy'])).toEqual({ out: 'BBBB', fromCache: 0, of: 1, wrote: true });
    expect(await load(['fixture'])).toEqual({ out: 'BBBB', fromCache: 0, of: 1, wrote: true });
  });

  it('is not read from a folder others can write or own, through a link, or from a file with another name', async () => {
    expect(await load()).toMatchObject({ fromCache: 1 });
    const file = cacheFile();
    chmodSync(folder, 0o777);
    expect(await load()).toMatchObject({ fromCache: 0 });
    chmodSync(folder, 0o700);
    chmodSync(file, 0o666);
    expect(await load()).toMatchObject({ fromCache: 0 });
    const elsewhere = home.path('.cache/elsewhere.bin');
    renameSync(file, elsewhere);
    chmodSync(elsewhere, 0o600);
    symlinkSync(elsewhere, file);
    expect(await load()).toMatchObject({ fromCache: 0 }); // and the link is replaced, not written through
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    linkSync(file, `${elsewhere}.2`);
    expect(await load()).toMatchObject({ fromCache: 0 });
    rmSync(`${elsewhere}.2`);
    expect(await load()).toMatchObject({ fromCache: 1 });
    if (process.getuid?.() === 0) {
      chownSync(folder, 54322, 54322); // a cache folder of another user (a shared XDG_CACHE_HOME)
      expect(await load()).toMatchObject({ fromCache: 0, wrote: true });
      chownSync(folder, 0, 0);
    }
  });

  it('is no part of what a command does: the same output without it, and no error when it cannot be kept', async () => {
    // A command that loads packages (the STS client) and succeeds: a role session from moto, not kept (--no-cache).
    const t = await startEnv({ sts: true });
    try {
      t.home.write('.config/xacct/config.toml', '[sources.identity]\nregion = "eu-west-1"\n\n[accounts]\nprod = "222222222222"\n\n[roles]\nadmin = "Admin"\n');
      t.home.write('.aws/credentials', '[identity]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = not-a-secret\n');
      const cmdEnv = { ...t.env, XACCT_BACKEND: 'file', XACCT_FILE_PASSPHRASE: 'pw' };
      const assume = (more: Record<string, string> = {}) => runCli(['credential-process', 'prod-admin', '--no-cache'], { env: { ...cmdEnv, ...more } });
      const session = (stdout: string) => Object.keys(JSON.parse(stdout) as object);
      const first = await assume();
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).not.toMatch(/code.cache|error|ENOTDIR|EACCES/i);
      const codeCache = t.home.path('.cache/xacct/code-cache');
      expect(readdirSync(codeCache)).toHaveLength(1);
      const second = await assume();
      expect(second).toMatchObject({ code: 0, stderr: first.stderr });
      expect(session(second.stdout)).toEqual(session(first.stdout));
      rmSync(codeCache, { recursive: true });
      // A command that loaded the STS client and then failed (nobody listens there) leaves nothing new.
      const failed = await assume({ AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' });
      expect(failed.code).toBe(1);
      expect(existsSync(codeCache)).toBe(false);
      const bad = t.home.write('.config/xacct/bad.toml', '[accounts]\nprod = "not an account id"\n');
      expect((await assume({ XACCT_CONFIG: bad })).code).toBe(2);
      expect(existsSync(codeCache)).toBe(false);
      writeFileSync(codeCache, 'not a folder');
      const blocked = await assume();
      expect(blocked).toMatchObject({ code: 0, stderr: first.stderr });
      expect(blocked.stderr).not.toMatch(/code.cache|error|ENOTDIR|EACCES/i);
    } finally {
      await t.stop();
    }
  });
});
