/**
 * V8's code cache for the CommonJS files of packages (the AWS SDK above all: ~730 KB in 23 files for the STS client,
 * ~20 ms of CPU to compile on every cold call), kept between calls in a private folder
 * (`$XDG_CACHE_HOME/xacct/code-cache/`, see xacct-paths.cts), one file per V8 version and architecture.
 * Installed by src/launch-bundle.cts before the CLI bundle runs; nothing is read until a package's file is compiled,
 * so the credential-process fast path never comes here.
 *
 * The rules, each for a reason:
 *  - An entry is used only for the exact text it was made from (its sha256): V8 checks only the source's length.
 *  - Each entry's data has its own sha256, checked before V8 sees it: V8 checks no sum and crashes on damaged data.
 *  - V8 refuses data of another version or flags (cachedDataRejected): the file is then compiled as without a cache.
 *  - Code cache is code: the file is read only from a folder of the user that no one else can write (nor any folder
 *    above it), only when it is a regular file of the user with one name, writable by no one else, never through a
 *    link. Anything wrong means compiling as Node would; the cache is never an error.
 *  - Written after the command's work (beforeExit), only when a file was compiled without usable data and the
 *    command succeeded, whole or not at all (adapters/atomic-file.ts: a temp file renamed over the old, 0600, in a folder made 0700).
 *  - A file with an `import()` is left to Node (vm.Script has no import() of its own in Node 20), as is anything
 *    that is not plain CommonJS or does not compile as such.
 *  - The same file keeps where the requires of packages led (module-resolution-cache.cts: ~10 ms of the STS
 *    client's ~80 requires), each answer with the folders and package.json files it depended on, checked before use.
 */
import crypto = require('node:crypto');
import fs = require('node:fs');
import nodeModule = require('node:module');
import os = require('node:os');
import path = require('node:path');
import vm = require('node:vm');
import trust = require('./file-trust.cjs');
import resolution = require('./module-resolution-cache.cjs');

const MAGIC = 'xacct-code-cache 2';
/** Entries of files this process did not load are kept while the file stays below this size. */
const MAX_BYTES = 16 * 1024 * 1024;

interface Entry {
  /** sha256 of the source text. */
  readonly source: string;
  /** sha256 of the data. */
  readonly sum: string;
  readonly data: Buffer;
}

type ResolutionTable = ReturnType<ReturnType<typeof resolution.createResolutionCache>['table']>;

/** What a cache file holds: V8's data by source sha256, and where requires of packages led (module-resolution-cache.cts). */
interface CacheContents {
  readonly entries: Map<string, Entry>;
  readonly resolutions?: ResolutionTable;
}

interface Compiled {
  readonly source: string;
  readonly script: vm.Script;
  readonly filename: string;
  readonly fromCache: boolean;
}

type ModuleInternals = NodeJS.Module & { require(id: string): unknown };
type ModuleClass = {
  prototype: { _compile(this: ModuleInternals, content: string, filename: string, format?: string): unknown };
  _resolveFilename(request: string, parent: NodeJS.Module | null | undefined, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: NodeJS.Module): string[] | null;
  _extensions: unknown;
  _cache: Record<string, NodeJS.Module>;
};

const sha256 = (data: string | Uint8Array) => crypto.createHash('sha256').update(data).digest('hex');

/** The cache file of this V8 and architecture in `folder`. */
function cacheFileIn(folder: string): string {
  return path.join(folder, `v8-${process.versions.v8}-${process.arch}.bin`);
}

/**
 * The file: `xacct-code-cache 2\n`, one line of JSON `[[source sha256, data sha256, length], …]`, one line of JSON
 * of the resolutions (or `null`), then the data of each entry in that order.
 */
function encode(entries: readonly Entry[], resolutions?: ResolutionTable): Buffer {
  const index = JSON.stringify(entries.map((e) => [e.source, e.sum, e.data.length]));
  return Buffer.concat([Buffer.from(`${MAGIC}\n${index}\n${JSON.stringify(resolutions ?? null)}\n`, 'utf8'), ...entries.map((e) => e.data)]);
}

const NOTHING: CacheContents = { entries: new Map() };

/** The entries of a cache file's bytes, by source sha256; those whose sum is wrong are checked when used. */
function decode(bytes: Buffer): CacheContents {
  const entries = new Map<string, Entry>();
  const first = bytes.indexOf(10);
  const second = first < 0 ? -1 : bytes.indexOf(10, first + 1);
  const third = second < 0 ? -1 : bytes.indexOf(10, second + 1);
  if (third < 0 || bytes.subarray(0, first).toString('utf8') !== MAGIC) return NOTHING;
  const index = JSON.parse(bytes.subarray(first + 1, second).toString('utf8')) as unknown;
  if (!Array.isArray(index)) return NOTHING;
  const resolutions = resolution.asResolutionTable(JSON.parse(bytes.subarray(second + 1, third).toString('utf8')));
  let offset = third + 1;
  for (const item of index as unknown[]) {
    if (!Array.isArray(item) || item.length !== 3) return NOTHING;
    const [source, sum, length] = item as unknown[];
    if (typeof source !== 'string' || typeof sum !== 'string' || !Number.isSafeInteger(length) || (length as number) < 0) return NOTHING;
    const end = offset + (length as number);
    if (end > bytes.length) return NOTHING; // cut short
    entries.set(source, { source, sum, data: bytes.subarray(offset, end) });
    offset = end;
  }
  return { entries, ...(resolutions ? { resolutions } : {}) };
}

/** The cache file's entries, or none when it is missing or anything about it or its folder is not right. */
function readCache(file: string): CacheContents {
  try {
    const who = { uid: process.getuid?.(), home: os.homedir() };
    if (trust.privateFolderProblem(path.dirname(file), who)) return NOTHING;
    const { fd } = trust.openForRead(file, { who, what: 'the code cache', notWritableByOthers: true, singleLink: true });
    try {
      return decode(fs.readFileSync(fd));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return NOTHING;
  }
}

/** CommonJS's wrapper (Module.wrap). */
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
function requireOf(Module: ModuleClass, mod: ModuleInternals): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) => Module._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => Module._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = Module._extensions as NodeJS.RequireExtensions;
  require.cache = Module._cache;
  return require;
}

interface CodeCacheReport {
  /** Files of packages compiled since install. */
  readonly compiled: number;
  /** Of those, with V8's data from the cache. */
  readonly fromCache: number;
}

let installed: { report: () => CodeCacheReport } | undefined;

interface CodeCacheOptions {
  /** Writes the cache file (atomically, privately). */
  readonly write: (folder: string, file: string, bytes: Buffer) => Promise<void>;
  /** XACCT_DEBUG: a line at the end on what the cache did. */
  readonly debug?: (line: string) => void;
}

/**
 * Compiles every CommonJS file under a node_modules folder with V8's code cache kept in `folder`, from now on in
 * this process (the first call decides the folder).
 */
function installCodeCache(folder: string, { write, debug }: CodeCacheOptions): { report: () => CodeCacheReport } {
  if (installed) return installed;
  const Module = nodeModule.Module as unknown as ModuleClass;
  const file = cacheFileIn(folder);
  const original = Module.prototype._compile;
  let cached: CacheContents | undefined;
  const compiled: Compiled[] = [];
  const inPackage = `${path.sep}node_modules${path.sep}`;

  // Where the requires of packages led last time, while nothing Node's answer depends on has changed.
  const originalResolve = Module._resolveFilename;
  const resolutions = resolution.createResolutionCache(
    () => (cached ??= readCache(file)).resolutions,
    (r, p) => Module._resolveLookupPaths(r, p as NodeJS.Module),
  );
  Module._resolveFilename = function resolveWithCache(request, parent, isMain, options) {
    return resolutions.resolve(request, parent, isMain, options, () => originalResolve.call(this, request, parent, isMain, options));
  };

  Module.prototype._compile = function compileWithCache(content, filename, format) {
    if ((format !== undefined && format !== 'commonjs') || !filename.includes(inPackage) || content.startsWith('#!') || /\bimport\s*\(/.test(content)) {
      return original.call(this, content, filename, format);
    }
    cached ??= readCache(file);
    const source = sha256(content);
    const entry = cached.entries.get(source);
    const data = entry && sha256(entry.data) === entry.sum ? entry.data : undefined;
    let script: vm.Script;
    try {
      script = new vm.Script(wrap(content), { filename, ...(data ? { cachedData: data } : {}) });
    } catch {
      return original.call(this, content, filename, format); // not CommonJS as Node would take it: Node says why
    }
    compiled.push({ source, script, filename, fromCache: data !== undefined && !script.cachedDataRejected });
    const fn = script.runInThisContext() as (...args: unknown[]) => unknown;
    return fn.call(this.exports, this.exports, requireOf(Module, this), this, filename, path.dirname(filename));
  };

  // After the work: V8's data now holds the functions that ran, not only the files' top levels.
  process.once('beforeExit', () => {
    const stale = compiled.filter((c) => !c.fromCache).length;
    const table = resolutions.changed() ? resolutions.table() : undefined;
    if (compiled.length) debug?.(`code cache of packages: ${compiled.length - stale} of ${compiled.length} files compiled with it${stale ? `; writing ${file}` : ''}`);
    const asked = resolutions.report();
    if (asked.asked) debug?.(`requires of packages: ${asked.served} of ${asked.asked} resolved from the code cache${table ? '; writing where the others led' : ''}`);
    // A command that failed (on its input, say) leaves nothing new behind, no cache either.
    if ((!stale && !table) || (process.exitCode !== undefined && process.exitCode !== 0)) return;
    const old = cached ?? readCache(file);
    const fresh = stale
      ? compiled.map((c): Entry => {
          const data = c.script.createCachedData();
          return { source: c.source, sum: sha256(data), data };
        })
      : [];
    const mine = new Set(fresh.map((e) => e.source));
    let size = fresh.reduce((n, e) => n + e.data.length, 0);
    const kept: Entry[] = [];
    for (const e of old.entries.values()) {
      if (mine.has(e.source) || size + e.data.length > MAX_BYTES || sha256(e.data) !== e.sum) continue;
      kept.push(e);
      size += e.data.length;
    }
    // the next call compiles (and resolves) again
    void write(folder, file, encode([...fresh, ...kept], table ?? old.resolutions)).catch(() => undefined);
  });

  installed = {
    report: () => ({ compiled: compiled.length, fromCache: compiled.filter((c) => c.fromCache).length }),
  };
  return installed;
}

export = { installCodeCache, cacheFileIn, encode, decode };
