/**
 * vitest globalSetup: marks this run's services (see procs.ts) and, when the run ends, checks that none is
 * left: a test file that forgets stop() leaks nothing past its worker, thanks to the parent-death signal, and
 * this check proves it. Before that, it makes the run's environment independent of the caller's PATH and HOME.
 */
import { isolateEnvironment } from './isolation.js';
import { DAEMON_MARKER, findMarkedProcesses } from './procs.js';

export function setup() {
  // Before any worker starts: they inherit it (see isolation.ts).
  const isolation = isolateEnvironment(process.env);
  for (const [name, value] of Object.entries(isolation.changes)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const marker = `run-${process.pid}-${Date.now()}`;
  process.env[DAEMON_MARKER] = marker;
  // Test files that load the AWS SDK in-process would print its node-version notice; CLI children get it from makeHome().
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  return async function teardown() {
    isolation.cleanup();
    let left = findMarkedProcesses(marker);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100)); // services of the last workers may still be exiting
      left = findMarkedProcesses(marker);
    }
    if (left.length === 0) return;
    for (const { pid } of left) process.kill(pid, 'SIGKILL');
    const message = `test services left running after the run (now killed):\n${left.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(message);
  };
}
