/**
 * Many `credential-process <profile>` started together on an expired session (Terraform starts one per provider):
 * the first to miss claims the refresh and goes down the full path; the others wait here, asleep, until it exits,
 * then read the session it cached. Without this, every one of them would load the full CLI only to wait on the
 * session lock — dozens of processes loading the AWS SDK side by side on a laptop's few cores.
 *
 * Only a shortcut: the full path's lock still makes the one STS call, and a waiter that finds nothing usable after
 * the wait takes the full path itself. A claim is a file holding the claimant's PID, removed when it exits; one
 * whose holder is dead, or older than STALE_MS, is removed by the next process that sees it.
 */
import fs = require('node:fs');
import path = require('node:path');

const STALE_MS = 60_000;
/** First and longest pause between two looks at the claim: a refresh takes a few hundred milliseconds. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;

function claimFile(dir: string, profile: string): string {
  return path.join(dir, `refresh-${encodeURIComponent(profile)}.claim`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Claims the refresh of `profile`: true when this process got it (the claim goes when the process exits). */
function claimRefresh(dir: string, profile: string): boolean {
  const file = claimFile(dir, profile);
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch {
    return false;
  }
  const mine = String(process.pid);
  try {
    fs.writeSync(fd, mine);
  } finally {
    fs.closeSync(fd);
  }
  process.once('exit', () => {
    try {
      if (fs.readFileSync(file, 'utf8') === mine) fs.unlinkSync(file);
    } catch {
      /* already gone */
    }
  });
  return true;
}

/**
 * Sleeps while another live process holds the claim of `profile`, up to STALE_MS after the claim was made.
 * Returns true when a claim was there and went away (the session may be fresh now), false when there was none.
 * A stale claim (holder dead or too old) is removed.
 */
function waitForRefresh(dir: string, profile: string): boolean {
  const file = claimFile(dir, profile);
  let waited = false;
  let pause = FIRST_POLL_MS;
  for (;;) {
    let text: string;
    let madeMs: number;
    try {
      text = fs.readFileSync(file, 'utf8');
      madeMs = fs.statSync(file).mtimeMs;
    } catch {
      return waited;
    }
    const pid = Number(text);
    // Our own claim (a second call in this process) is never waited for.
    if (pid === process.pid) return waited;
    // Empty: the claimant is between its create and its write.
    const stale = text !== '' && (!Number.isInteger(pid) || pid <= 0 || !alive(pid));
    if (stale || Date.now() - madeMs > STALE_MS) {
      try {
        fs.unlinkSync(file);
      } catch {
        /* someone else removed it */
      }
      return waited;
    }
    waited = true;
    sleep(pause);
    pause = Math.min(Math.ceil(pause * 1.5), MAX_POLL_MS);
  }
}

export = { claimRefresh, waitForRefresh };
