/**
 * The credential-process fast path as the launcher loads it: the built CommonJS files of dist/fast (vitest does not
 * run CommonJS sources), and the index writer from dist too, since it imports them. `npm test` builds first; when
 * running a file alone: `npx tsc -p tsconfig.build.json && npx vitest run test/unit/fast-path….test.ts`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type CacheEntryModule from '../../src/fast/cache-entry.cjs';
import type HitModule from '../../src/fast/credential-process-hit.cjs';
import type InputsStampModule from '../../src/fast/inputs-stamp.cjs';
import type RefreshClaimModule from '../../src/fast/refresh-claim.cjs';
import type * as IndexWriterModule from '../../src/app/fast-path-index.js';

const dist = (file: string) => {
  const path = fileURLToPath(new URL(`../../dist/${file}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: run npx tsc -p tsconfig.build.json first`);
  return path;
};
const require = createRequire(import.meta.url);

export const codec = require(dist('fast/cache-entry.cjs')) as typeof CacheEntryModule;
export const hit = require(dist('fast/credential-process-hit.cjs')) as typeof HitModule;
export const inputs = require(dist('fast/inputs-stamp.cjs')) as typeof InputsStampModule;
export const claim = require(dist('fast/refresh-claim.cjs')) as typeof RefreshClaimModule;
export const writer = (await import(dist('app/fast-path-index.js'))) as typeof IndexWriterModule;
