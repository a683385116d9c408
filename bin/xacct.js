#!/usr/bin/env node
'use strict';
// CommonJS on purpose (bin/package.json): loading through the ESM loader costs ~10 ms that
// `credential-process` on a cache hit cannot afford. Keep this file free of other work.
const args = process.argv.slice(2);
const served = args[0] === 'credential-process' ? require('../dist/fast/credential-process-hit.cjs').serveFromCache(args.slice(1), process.env) : Promise.resolve(false);
served.then((done) => {
  if (done) return;
  // The AWS SDK warns about Node 20 on stderr; keep users' stderr clean, and keep the flag out of the
  // environments xacct gives to commands (see launcherAdded in src/core/session-env.ts).
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    process.env.XACCT_LAUNCHER_ADDED = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  }
  // Stack traces (XACCT_DEBUG=1) name the lines of src/ rather than of the bundle.
  if (process.env.XACCT_DEBUG === '1' || process.env.XACCT_DEBUG === 'true') process.setSourceMapsEnabled(true);
  // One CommonJS file (scripts/bundle.mjs): xacct's code, commander and smol-toml; with V8's code cache of its build.
  return require('../dist/launch-bundle.cjs').loadBundle(process.env).main(args).then((code) => {
    process.exitCode = code;
  });
});
