#!/usr/bin/env node
'use strict';
// CommonJS on purpose (bin/package.json): loading through the ESM loader costs ~10 ms that
// `credential-process` on a cache hit cannot afford. Keep this file free of other work.
const args = process.argv.slice(2);
if (args[0] === 'credential-process' && require('../dist/fast/credential-process-hit.cjs').serveFromCache(args.slice(1), process.env)) {
  return;
}
import('../dist/cli/main.js').then(async ({ main }) => {
  process.exitCode = await main(args);
});
