/**
 * Where a package's requires led, kept with the code cache of packages (src/adapters/module-resolution-cache.cts):
 * used while nothing Node's answer depends on has changed, and never giving another answer than Node's own. Each load
 * is a node of its own (as calls are), and each answer is checked against a node without the cache.
 */
import { mkdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeHome } from '../helpers/home.js';
import { ROOT, run } from '../helpers/run-cli.js';

const home = makeHome();
afterAll(() => home.cleanup());
const env = { ...home.env, XACCT_DEBUG: '1' };
const app = home.path('app');

/** `top` requires `dep` by its bare name, as the SDK's files require each other. */
home.write('app/node_modules/top/package.json', '{"name":"top","main":"index.js"}\n');
home.write('app/node_modules/top/index.js', 'module.exports = require("dep");\n');
home.write('app/node_modules/dep/package.json', '{"name":"dep","exports":"./a.js"}\n');
home.write('app/node_modules/dep/a.js', 'module.exports = "dep a";\n');
home.write('app/node_modules/dep/b.js', 'module.exports = "dep b";\n');
const depJson = home.path('app/node_modules/dep/package.json');
/** The mtime npm gives the files it extracts. */
const NPM_MTIME = new Date('1985-10-26T08:15:00Z');
const launcher = JSON.stringify(join(ROOT, 'dist/launch-bundle.cjs'));
const driver = home.write(
  'app/load.cjs',
  `if (process.argv[2] === 'cache') require(${launcher}).installPackageCodeCache(process.env);\n` +
    `try { console.log(require('./node_modules/top')); } catch (e) { console.log(e.code, e.message.split('\\n')[0]); }\n`,
);

/** What node prints with the cache, how many requires it served, and what a node without it prints. */
async function load() {
  const [cached, plain] = await Promise.all([
    run(process.execPath, [driver, 'cache'], { env, cwd: app }),
    run(process.execPath, [driver, 'plain'], { env, cwd: app }),
  ]);
  expect(cached.code, cached.stderr).toBe(0);
  const line = /requires of packages: (\d+) of (\d+) resolved from the code cache/.exec(cached.stderr);
  return { out: cached.stdout.trim(), plain: plain.stdout.trim(), served: Number(line?.[1] ?? 0), of: Number(line?.[2] ?? 0) };
}

describe('the resolutions kept with the code cache of packages', () => {
  it('serve a package\'s require the second time, and follow every change that gives Node another answer', async () => {
    utimesSync(depJson, NPM_MTIME, NPM_MTIME);
    expect(await load()).toEqual({ out: 'dep a', plain: 'dep a', served: 0, of: 1 });
    expect(await load()).toEqual({ out: 'dep a', plain: 'dep a', served: 1, of: 1 });

    // The package's exports changed: its package.json, the same size and mtime (npm extracts files with a fixed
    // mtime): only its ctime tells.
    const before = statSync(depJson);
    writeFileSync(depJson, '{"name":"dep","exports":"./b.js"}\n');
    utimesSync(depJson, NPM_MTIME, NPM_MTIME);
    expect(statSync(depJson)).toMatchObject({ size: before.size, mtimeMs: before.mtimeMs, ino: before.ino });
    expect(await load()).toEqual({ out: 'dep b', plain: 'dep b', served: 0, of: 1 });
    expect(await load()).toMatchObject({ out: 'dep b', served: 1 });

    // A copy installed closer to the package that requires it (npm's nested install).
    home.write('app/node_modules/top/node_modules/dep/package.json', '{"name":"dep","main":"near.js"}\n');
    home.write('app/node_modules/top/node_modules/dep/near.js', 'module.exports = "dep near";\n');
    expect(await load()).toEqual({ out: 'dep near', plain: 'dep near', served: 0, of: 1 });
    expect(await load()).toMatchObject({ out: 'dep near', served: 1 });

    // Removed again, then the far copy moved away: Node's own error, not a file that is gone.
    rmSync(home.path('app/node_modules/top/node_modules'), { recursive: true });
    expect(await load()).toEqual({ out: 'dep b', plain: 'dep b', served: 0, of: 1 });
    renameSync(home.path('app/node_modules/dep'), home.path('app/dep-moved'));
    const gone = await load();
    expect(gone.out).toBe(gone.plain);
    expect(gone.out).toMatch(/^MODULE_NOT_FOUND Cannot find module 'dep'/);
    renameSync(home.path('app/dep-moved'), home.path('app/node_modules/dep'));
    expect(await load()).toMatchObject({ out: 'dep b', plain: 'dep b' });

    // The file the exports name replaced by another of the same package: the code follows (its own cache entry).
    writeFileSync(home.path('app/node_modules/dep/b.js'), 'module.exports = "dep B";\n');
    expect(await load()).toEqual({ out: 'dep B', plain: 'dep B', served: 1, of: 1 });

    // A subpath of a package without exports, found as a folder's index.js: a file added where Node looks first
    // (a/b.js, in a folder below the package's own) is Node's answer from then on, and the cache's.
    home.write('app/node_modules/top/index.js', 'module.exports = require("deep/a/b");\n');
    home.write('app/node_modules/deep/package.json', '{"name":"deep"}\n');
    home.write('app/node_modules/deep/a/b/index.js', 'module.exports = "deep index";\n');
    expect(await load()).toEqual({ out: 'deep index', plain: 'deep index', served: 0, of: 1 });
    expect(await load()).toMatchObject({ out: 'deep index', served: 1 });
    home.write('app/node_modules/deep/a/b.js', 'module.exports = "deep file";\n');
    expect(await load()).toEqual({ out: 'deep file', plain: 'deep file', served: 0, of: 1 });
    home.write('app/node_modules/top/index.js', 'module.exports = require("dep");\n');
  });

  it('serve a package that requires itself by its name, and leave links on the way to Node', async () => {
    home.write('app/node_modules/top/index.js', 'module.exports = require("top/inner");\n');
    home.write('app/node_modules/top/package.json', '{"name":"top","exports":{".":"./index.js","./inner":"./inner.js"}}\n');
    home.write('app/node_modules/top/inner.js', 'module.exports = "top inner";\n');
    expect(await load()).toEqual({ out: 'top inner', plain: 'top inner', served: 0, of: 1 });
    expect(await load()).toEqual({ out: 'top inner', plain: 'top inner', served: 1, of: 1 });
    writeFileSync(home.path('app/node_modules/top/package.json'), '{"name":"top","exports":{".":"./index.js","./inner":"./index2.js"}}\n');
    home.write('app/node_modules/top/index2.js', 'module.exports = "top index2";\n');
    expect(await load()).toEqual({ out: 'top index2', plain: 'top index2', served: 0, of: 1 });

    // A file where a scope's folder would be, on the way: Node passes over it, and so does the cache (never an error).
    home.write('app/node_modules/top/index.js', 'module.exports = require("@scope/dep2");\n');
    home.write('app/node_modules/top/node_modules/@scope', 'not a folder\n');
    home.write('app/node_modules/@scope/dep2/package.json', '{"name":"@scope/dep2","main":"i.js"}\n');
    home.write('app/node_modules/@scope/dep2/i.js', 'module.exports = "dep2";\n');
    expect(await load()).toEqual({ out: 'dep2', plain: 'dep2', served: 0, of: 1 });
    expect(await load()).toEqual({ out: 'dep2', plain: 'dep2', served: 0, of: 1 });
    rmSync(home.path('app/node_modules/top/node_modules'), { recursive: true });

    // pnpm's layout: the package is a link into a store. Node's answer is the real path, never kept.
    home.write('app/node_modules/top/index.js', 'module.exports = require("linked");\n');
    const store = 'app/node_modules/.pnpm/linked@1.0.0/node_modules/linked';
    mkdirSync(home.path(store), { recursive: true });
    home.write(`${store}/package.json`, '{"name":"linked","main":"main.js"}\n');
    home.write(`${store}/main.js`, 'module.exports = "linked";\n');
    symlinkSync(home.path(store), home.path('app/node_modules/linked'));
    expect(await load()).toEqual({ out: 'linked', plain: 'linked', served: 0, of: 1 });
    expect(await load()).toEqual({ out: 'linked', plain: 'linked', served: 0, of: 1 });
  });
});
