/**
 * Method calls counted on a private bus with dbus-monitor, between two marker calls of our own: the monitor is known
 * to be listening before the work starts (dbus-monitor says nothing when it is ready), and to have seen everything
 * the work sent once the second marker comes through (the bus hands the monitor messages in the order it routes them).
 * The markers are NameHasOwner calls that expect a reply: the bus does not show the monitor one that expects none.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Env } from './home.js';
import { run } from './run-cli.js';

const WAIT_MS = 10_000;

/** How many calls of each of `members` the bus routed while `work` ran. */
export async function countCalls(env: Env, members: readonly string[], work: () => Promise<unknown>): Promise<Record<string, number>> {
  const id = randomBytes(6).toString('hex');
  const marker = (n: number) => `org.xacct.Marker.m${id}n${n}`;
  const rules = [...members.map((m) => `type='method_call',member='${m}'`), "type='method_call',member='NameHasOwner'"];
  const monitor = spawn('dbus-monitor', ['--session', ...rules], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  monitor.stdout.on('data', (d: Buffer) => (out += d.toString()));
  /** Sends marker n until the monitor shows it. */
  const mark = async (n: number) => {
    const started = Date.now();
    while (!out.includes(marker(n))) {
      if (Date.now() - started > WAIT_MS) throw new Error(`dbus-monitor did not show the marker call within ${WAIT_MS / 1000}s:\n${out.slice(-2000)}`);
      await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${marker(n)}`], { env });
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    await mark(1);
    const from = out.length;
    await work();
    await mark(2);
    const calls = [...out.slice(from, out.indexOf(marker(2))).matchAll(/^method call .* sender=(\S+) .*; member=(\w+)$/gm)].map(([, sender, member]) => ({ sender, member }));
    // Not the markers' own connections (each dbus-send says Hello first).
    const ours = new Set(calls.filter((c) => c.member === 'NameHasOwner').map((c) => c.sender));
    return Object.fromEntries(members.map((m) => [m, calls.filter((c) => c.member === m && !ours.has(c.sender)).length]));
  } finally {
    monitor.kill();
  }
}
