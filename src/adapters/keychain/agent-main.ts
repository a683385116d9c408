/**
 * Entry of the passphrase agent process: `node agent-main.js <socket path>`, started detached by agent-client.ts
 * with an empty environment. Nothing secret is on its command line: keys arrive over the socket.
 */
import { startAgentServer } from './agent-server.js';

process.umask(0o077);
const socketPath = process.argv[2];
if (!socketPath) process.exit(2);
startAgentServer({ socketPath }).then(
  (serving) => {
    if (!serving) process.exit(0);
  },
  () => process.exit(1),
);
