/**
 * Where a package's `require('pkg/sub')` led last time, kept with the code cache of packages (module-code-cache.cts):
 * Node's resolution of a bare name (the parent's package scope, each node_modules folder up the tree, the package's
 * `exports`) costs ~0.1 ms a require, ~10 ms of the AWS SDK's ~80 on every cold call.
 *
 * An entry is used only while everything Node's answer depended on is as it was when it was recorded: each folder on
 * the way (the parent's package scope, every node_modules folder Node looked in, the folder it did not find the
 * package in or the package itself and each folder below it down to the file) and each package.json it read, by
 * inode, mtime, ctime and size (npm extracts files with a fixed mtime; ctime cannot be set back). A package installed,
 * removed, moved closer or edited changes one of them (a folder's mtime changes with its entries), and Node resolves
 * the name again. Anything unusual (a link on the way, a package found outside `<node_modules>/<name>/`, a `#` or
 * relative name, options) is left to Node and not kept. Stats are taken once per process and before Node's own look,
 * so an install that races a call can only make the entry look stale, never the other way round.
 */
import fs = require('node:fs');
import nodeModule = require('node:module');
import path = require('node:path');

/** On disk: the facts once each, and the entries naming them by index. */
interface ResolutionTable {
  /** What else decides Node's answers: its version, flags and NODE_OPTIONS (conditions, symlink handling). */
  readonly context: string;
  readonly facts: string[];
  readonly entries: [dir: string, request: string, resolved: string, facts: number[]][];
}

interface Entry {
  readonly resolved: string;
  /** `path\0stamp` of each fact. */
  readonly facts: string[];
}

type Parent = { filename?: string | null } | null | undefined;
type LookupPaths = (request: string, parent: NonNullable<Parent>) => string[] | null;

const MAX_ENTRIES = 4096;
const UNREADABLE = '?';
const NODE_MODULES = `${path.sep}node_modules`;

function resolutionContext(env: NodeJS.ProcessEnv = process.env): string {
  return JSON.stringify([process.version, process.execArgv, env.NODE_OPTIONS ?? '', env.NODE_PATH ?? '']);
}

/** `@scope/name` or `name` of a bare request, or undefined for anything Node does not look up in node_modules. */
function packageName(request: string): string | undefined {
  if (!request || request.includes('\0') || request.includes('\\') || /^[.#/]/.test(request) || path.isAbsolute(request)) return undefined;
  if (nodeModule.isBuiltin(request)) return undefined;
  const parts = request.split('/');
  const name = request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return name && !name.endsWith('/') && (!request.startsWith('@') || parts.length >= 2) ? name : undefined;
}

/** `saved`: the table kept last time, asked for at the first request that is one to keep (the cache file is read then). */
function createResolutionCache(saved: () => ResolutionTable | undefined, lookupPaths: LookupPaths, context = resolutionContext()) {
  let loaded: Map<string, Entry> | undefined;
  function entriesOf(): Map<string, Entry> {
    if (loaded) return loaded;
    loaded = new Map();
    const table = saved();
    if (table && table.context === context) {
      for (const [dir, request, resolved, idx] of table.entries) {
        const facts = idx.map((i) => table.facts[i]);
        if (facts.every((f) => typeof f === 'string')) loaded.set(`${dir}\0${request}`, { resolved, facts: facts as string[] });
      }
    }
    return loaded;
  }
  /** The first stat of each path in this process: what Node's answers of this process were based on. */
  const stamps = new Map<string, string | null>();
  let changed = false;
  let served = 0;
  let asked = 0;

  /** null: no such file; UNREADABLE: a stat that failed otherwise (a file on the way, no permission), never kept. */
  function stamp(p: string): string | null {
    let s = stamps.get(p);
    if (s === undefined) {
      try {
        const st = fs.statSync(p, { throwIfNoEntry: false });
        s = st ? `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.isDirectory() ? 'd' : 'f'}` : null;
      } catch {
        s = UNREADABLE;
      }
      stamps.set(p, s);
    }
    return s;
  }
  const isDir = (p: string) => stamp(p)?.endsWith(':d') === true;
  /** The folder whose entries decide whether `p` exists (itself when it exists). */
  function deepestExisting(p: string): string {
    while (stamp(p) === null && path.dirname(p) !== p) p = path.dirname(p);
    return p;
  }

  /** The parent's package scope as Node's trySelf reads it: the folders up to the first package.json. */
  function scopeOf(parentFile: string): { folders: string[]; packageJson?: string } {
    const folders: string[] = [];
    for (let dir = path.dirname(parentFile); ; dir = path.dirname(dir)) {
      if (dir.endsWith(NODE_MODULES)) return { folders };
      folders.push(dir);
      const pj = path.join(dir, 'package.json');
      if (stamp(pj)?.endsWith(':f')) return { folders, packageJson: pj };
      if (path.dirname(dir) === dir) return { folders };
    }
  }

  /** Everything Node's answer for `request` from `parentFile` depended on, or undefined: not one to keep. */
  function factsOf(request: string, name: string, parentFile: string, resolved: string, paths: readonly string[]): string[] | undefined {
    if (!path.isAbsolute(resolved) || !resolved.includes(`${NODE_MODULES}${path.sep}`)) return undefined;
    const facts = new Set<string>();
    const scope = scopeOf(parentFile);
    for (const f of scope.folders) facts.add(f);
    if (scope.packageJson) {
      facts.add(scope.packageJson);
      let pkg: { name?: unknown; exports?: unknown } | undefined;
      try {
        pkg = JSON.parse(fs.readFileSync(scope.packageJson, 'utf8')) as typeof pkg;
      } catch {
        return undefined;
      }
      // Node resolves a package's own name through its exports before any node_modules folder.
      if (pkg?.exports != null && typeof pkg.name === 'string' && (request === pkg.name || request.startsWith(`${pkg.name}/`))) {
        if (!resolved.startsWith(path.dirname(scope.packageJson) + path.sep)) return undefined;
        facts.add(path.dirname(resolved));
        return stamped(facts);
      }
    }
    const scoped = name.includes('/');
    for (const folder of paths) {
      if (!isDir(folder)) {
        facts.add(deepestExisting(folder));
        continue;
      }
      facts.add(folder);
      const dir = path.join(folder, name);
      if (scoped) facts.add(deepestExisting(path.join(folder, name.split('/')[0]!)));
      if (resolved.startsWith(dir + path.sep)) {
        facts.add(dir);
        const pj = path.join(dir, 'package.json');
        if (stamp(pj) !== null) facts.add(pj);
        // Every folder from the package's to the file's: Node tried `a/b.js` before `a/b/index.js`, say.
        for (let d = path.dirname(resolved); d !== dir; d = path.dirname(d)) facts.add(d);
        return stamped(facts);
      }
      if (stamp(dir) !== null) return undefined; // a folder of that name Node passed over: too unusual to keep
    }
    return undefined;
  }

  function stamped(facts: Set<string>): string[] | undefined {
    const out: string[] = [];
    for (const f of facts) {
      const s = stamp(f);
      if (s === null || s === UNREADABLE) return undefined;
      out.push(`${f}\0${s}`);
    }
    return out;
  }

  const valid = (e: Entry) => e.facts.every((f) => {
    const at = f.indexOf('\0');
    return stamp(f.slice(0, at)) === f.slice(at + 1);
  });

  return {
    /** Node's answer, from the table when still true, else from `resolve` (and then kept when it may be). */
    resolve(request: string, parent: Parent, isMain: boolean, options: unknown, resolve: () => string): string {
      const parentFile = parent?.filename;
      const name =
        typeof request === 'string' && options === undefined && !isMain && typeof parentFile === 'string' && path.isAbsolute(parentFile) ? packageName(request) : undefined;
      if (!name) return resolve();
      asked++;
      const entries = entriesOf();
      const key = `${path.dirname(parentFile!)}\0${request}`;
      const entry = entries.get(key);
      if (entry && valid(entry)) {
        served++;
        return entry.resolved;
      }
      const paths = lookupPaths(request, parent!) ?? [];
      // Stat what Node is about to look at before it looks (see the top of this file).
      scopeOf(parentFile!);
      for (const folder of paths) if (isDir(folder)) deepestExisting(path.join(folder, name));
      const resolved = resolve();
      const facts = factsOf(request, name, parentFile!, resolved, paths);
      if (facts) {
        entries.set(key, { resolved, facts });
        changed = true;
      } else if (entries.delete(key)) {
        changed = true;
      }
      return resolved;
    },
    changed: () => changed,
    report: () => ({ served, asked }),
    table(): ResolutionTable {
      const facts: string[] = [];
      const index = new Map<string, number>();
      const out: ResolutionTable['entries'] = [];
      for (const [key, e] of [...entriesOf()].slice(-MAX_ENTRIES)) {
        const at = key.indexOf('\0');
        const idx = e.facts.map((f) => {
          let i = index.get(f);
          if (i === undefined) index.set(f, (i = facts.push(f) - 1));
          return i;
        });
        out.push([key.slice(0, at), key.slice(at + 1), e.resolved, idx]);
      }
      return { context, facts, entries: out };
    },
  };
}

/** A table read back from disk, or undefined when it is not one. */
function asResolutionTable(value: unknown): ResolutionTable | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const t = value as Partial<ResolutionTable>;
  if (typeof t.context !== 'string' || !Array.isArray(t.facts) || !Array.isArray(t.entries)) return undefined;
  if (!t.facts.every((f) => typeof f === 'string' && f.includes('\0'))) return undefined;
  const ok = t.entries.every(
    (e) => Array.isArray(e) && e.length === 4 && typeof e[0] === 'string' && typeof e[1] === 'string' &&
      typeof e[2] === 'string' && path.isAbsolute(e[2]) && e[2].includes(`${NODE_MODULES}${path.sep}`) &&
      Array.isArray(e[3]) && e[3].every((i) => Number.isSafeInteger(i) && i >= 0 && i < t.facts!.length),
  );
  return ok ? (t as ResolutionTable) : undefined;
}

export = { createResolutionCache, asResolutionTable, resolutionContext };
