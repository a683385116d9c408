/**
 * The launcher loads the CLI bundle with V8's code cache of its own build (src/launch-bundle.cts, made by
 * scripts/bundle.mjs), and with nothing else: a cache of another build, a damaged one or none means compiling the
 * bundle as a plain require would. (What each path loads, and the source maps under XACCT_DEBUG: bundle.test.ts.)
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';

type Launch = {
  compileWithCache(useCache: boolean, bundle?: string): { script: { cachedDataRejected?: boolean } } | undefined;
  BUNDLE: string;
  CACHE: string;
};
const launch = createRequire(import.meta.url)(join(ROOT, 'dist/launch-bundle.cjs')) as Launch;

const dir = mkdtempSync(join(tmpdir(), 'xacct-v8cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the built bundle with `cache` as its code cache. */
function bundleWith(name: string, cache: Buffer | undefined): string {
  const bundle = join(dir, `${name}.cjs`);
  copyFileSync(launch.BUNDLE, bundle);
  if (cache) writeFileSync(`${bundle}.v8cache`, cache);
  return bundle;
}

describe('the code cache of the CLI bundle', () => {
  const cache = readFileSync(launch.CACHE);
  const nl = cache.indexOf(10);

  it('is made by the build for its bundle, and V8 takes it', () => {
    const [id, digest] = cache.subarray(0, nl).toString('latin1').split(' ');
    expect(readFileSync(launch.BUNDLE, 'utf8').split('\n')[1]).toBe(`// build ${id}`);
    expect(digest).toBe(createHash('sha256').update(cache.subarray(nl + 1)).digest('hex'));
    const compiled = launch.compileWithCache(true);
    expect(compiled).toBeDefined();
    expect(compiled!.script.cachedDataRejected).toBe(false);
  });

  it('is not used for another build, when damaged or cut short, or when missing', () => {
    expect(launch.compileWithCache(true, bundleWith('same', cache))?.script.cachedDataRejected).toBe(false); // the copy itself is fine
    const digest = cache.subarray(0, nl).toString('latin1').split(' ')[1];
    const otherBuild = Buffer.concat([Buffer.from(`0123456789abcdef01234567 ${digest}\n`), cache.subarray(nl + 1)]);
    expect(launch.compileWithCache(true, bundleWith('other', otherBuild))).toBeUndefined();
    // V8 would crash on this (it checks no sum of its own): the sha256 keeps it away.
    const damaged = Buffer.from(cache);
    damaged.fill(7, nl + 1 + 64, nl + 1 + 256);
    expect(launch.compileWithCache(true, bundleWith('damaged', damaged))).toBeUndefined();
    expect(launch.compileWithCache(true, bundleWith('short', cache.subarray(0, cache.length - 1000)))).toBeUndefined();
    expect(() => launch.compileWithCache(true, bundleWith('none', undefined))).toThrow(/ENOENT/); // loadBundle then requires it
  });
});
