/**
 * The cache-hit path of `xacct credential-process <profile>`, loaded by the CommonJS launcher before anything else.
 * Returns true when it printed credentials; false sends the call down the full path.
 */
function serveFromCache(_args: readonly string[], _env: NodeJS.ProcessEnv): boolean {
  return false;
}

export = { serveFromCache };
