/**
 * The kept parse of a large ~/.aws/config (at least CACHED_FROM_BYTES; `aws-config --write` at 25,000 profiles writes
 * 2.8 MB), in the private folder of parse-cache.ts: so that the next call neither checks every line again (this text
 * passed) nor parses it (~300 ms of CPU at 25,000 sections), nor even reads the kept profiles back (~35 ms) unless
 * something asks for more than the summary. A file holding keys is never kept; the parse kept of an earlier text is
 * removed once the file is gone, small, or holds keys (it may hold credential_process command lines it no longer has).
 *
 * It is found by the text's sha256, and also by the file's identity (device, inode, size, mtime, ctime: the rule of
 * the fast path's stamp, fast/inputs-stamp.cts) when that was recorded with it: then the file itself is not read at
 * all (reading and hashing 2.8 MB cost ~10 ms of CPU on every call). An identity is recorded only for a file
 * that had not changed for SETTLED_MS when it was read: any later change, in place or by rename, gets a later ctime,
 * even on file systems that keep whole seconds, so the same identity means the same text.
 */
import { rmSync, statSync } from 'node:fs';
import inputs from '../../fast/inputs-stamp.cjs';
import { XacctError } from '../../core/errors.js';
import { profileLines } from '../../core/ini-lines.js';
import { summaryOf, type IniProfile, type IniSummary } from '../../core/profile-map/aws-config-profiles.js';
import type { FileStat } from '../../core/profile-map/types.js';
import { CACHED_FROM_BYTES, forgetKeptParse, jsonSafe, keepParse, parseCacheFile, readKept, sha256 } from './parse-cache.js';

const SETTLED_MS = 3_000;

/**
 * What parse-cache.ts keeps of the config file: the line of the header of each role profile and of each section
 * without keys (see AwsIniFile.lines) and the summary of its profiles in the header; the profiles themselves after
 * it, as one line of JSON, parsed only when something reads them.
 */
interface ConfigParse {
  readonly lines: Record<string, number>;
  readonly summary: IniSummary;
  /** Of the profiles' JSON after the header: checked when they are parsed, long after the header was. */
  readonly profilesSha256: string;
  /** The file's identity when the text was read, when it had settled by then. */
  readonly identity?: string;
}

/** Values that are secrets: such a config file's parse is not copied into the cache. */
const SECRET_KEY = /secret|token|password/i;

export interface KeptProfiles {
  readonly lines: Map<string, number>;
  readonly summary: IniSummary;
  /** The profiles: parsed on first use. */
  readonly profiles: () => Record<string, IniProfile>;
}

type Header = NonNullable<ReturnType<typeof readKept>>;

function usable(header: Header | undefined): ConfigParse | undefined {
  const doc = header?.doc as Partial<ConfigParse> | undefined;
  const summary = doc?.summary;
  const ok =
    typeof doc?.lines === 'object' &&
    typeof summary?.roles === 'object' &&
    typeof summary.sources === 'object' &&
    typeof summary.keyIds === 'object' &&
    typeof doc.profilesSha256 === 'string' &&
    (doc.identity === undefined || typeof doc.identity === 'string');
  return ok ? (doc as ConfigParse) : undefined;
}

const hasSettled = (stat: FileStat, readAt: number) => readAt - Number(stat.ctimeNs / 1_000_000n) >= SETTLED_MS;

export function keptConfig(folder: string, file: string) {
  const cacheFile = parseCacheFile(folder, 'aws-config', file);
  // Read once, for whichever text: the header alone (the profiles after it may be megabytes).
  let header: Header | undefined | null = null;
  const headerOf = () => (header === null ? (header = readKept(cacheFile, file, undefined)) : header);

  // The profiles, when something asks: the same file (the header says the same profiles) with the profiles that
  // sum was taken of.
  const kept = (digest: string, doc: ConfigParse): KeptProfiles => {
    let profiles: Record<string, IniProfile> | undefined;
    const parseProfiles = (): Record<string, IniProfile> => {
      const whole = readKept(cacheFile, file, digest, true);
      const json = whole?.doc.profilesSha256 === doc.profilesSha256 ? whole.rest.toString('utf8') : undefined;
      if (json !== undefined && sha256(json) === doc.profilesSha256) return JSON.parse(json) as Record<string, IniProfile>;
      rmSync(cacheFile, { force: true }); // the next call parses the file again
      throw new XacctError(`the kept parse of ${file} (${cacheFile}) was damaged or replaced; it is removed`, { hint: 'run the command again' });
    };
    return { lines: new Map(Object.entries(doc.lines)), summary: doc.summary, profiles: () => (profiles ??= parseProfiles()) };
  };

  return {
    /** Removes the kept parse: the file no longer has one (gone, or smaller than CACHED_FROM_BYTES). */
    forget: () => forgetKeptParse(cacheFile),

    /**
     * The kept parse when the file has now the identity recorded with it, with its identity and the sha256 of its
     * text; else undefined (read the file).
     */
    bySettledIdentity(): { identity: string; digest: string; parse: KeptProfiles } | undefined {
      let stat;
      try {
        stat = statSync(file, { bigint: true, throwIfNoEntry: false });
      } catch {
        return undefined; // the read says why
      }
      if (!stat?.isFile() || stat.size < BigInt(CACHED_FROM_BYTES)) return undefined;
      const identity = inputs.identityOf(stat);
      const h = headerOf();
      const doc = usable(h);
      return h && doc?.identity === identity ? { identity, digest: h.sha256, parse: kept(h.sha256, doc) } : undefined;
    },

    /** For the text as read (`stat` taken before, at `readAt` or later): its kept parse, and how to keep a new one. */
    forText(text: string, stat: FileStat, readAt: number) {
      const digest = sha256(text);
      const h = headerOf();
      const doc = h?.sha256 === digest ? usable(h) : undefined;
      const identity = hasSettled(stat, readAt) ? inputs.identityOf(stat) : undefined;
      // The same text under a new identity (replaced, touched, or first seen settled): recorded for the next call.
      if (doc && identity && doc.identity !== identity) {
        const whole = readKept(cacheFile, file, digest, true);
        if (whole) keepParse(folder, cacheFile, file, digest, { ...whole.doc, identity }, whole.rest.toString('utf8'));
      }
      return {
        parse: doc && kept(digest, doc),
        /** Keeps this parse (unless it holds keys: then none is kept); the header lines, when it did. */
        keep: (profiles: Record<string, IniProfile>): Map<string, number> | undefined => {
          const secret = Object.values(profiles).some((p) => Object.keys(p).some((k) => SECRET_KEY.test(k)));
          if (secret || !jsonSafe(profiles)) {
            forgetKeptParse(cacheFile);
            return undefined;
          }
          const lines = profileLines(text, true);
          // Only the lines anything asks for: of role profiles (their messages) and of sections the parse dropped.
          const asked = [...lines].filter(([name]) => !Object.hasOwn(profiles, name) || profiles[name]!.role_arn !== undefined);
          const json = JSON.stringify(profiles);
          const parse: ConfigParse = { lines: Object.fromEntries(asked), summary: summaryOf(profiles), profilesSha256: sha256(json), ...(identity ? { identity } : {}) };
          keepParse(folder, cacheFile, file, digest, parse, json);
          return lines;
        },
      };
    },
  };
}
