#!/usr/bin/env node
// Tiny launcher: keep it free of imports so that `credential-process` on a cache hit stays fast.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
