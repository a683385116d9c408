/**
 * The run's environment does not depend on the caller's PATH or HOME (test/helpers/isolation.ts): an `xacct` the
 * caller installed (the README's `npm link`) is not found, and HOME is an empty folder of the run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onPath } from '../helpers/index.js';
import { isolateEnvironment, pathWithoutXacct } from '../helpers/isolation.js';

const dir = mkdtempSync(join(tmpdir(), 'xacct-isolation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the environment of the test run', () => {
  it('finds no xacct on PATH and has a HOME of its own (global-setup applied it)', () => {
    expect(onPath('xacct')).toBe(false);
    expect(process.env.HOME).toMatch(/\/xacct-run-[^/]+\/home$/);
    expect(homedir()).toBe(process.env.HOME);
    expect(Object.keys(process.env).filter((k) => /^(XDG_|DBUS_SESSION)/.test(k))).toEqual([]);
    // The tools are still found.
    expect(onPath('node')).toBe(true);
  });

  it('a PATH folder holding xacct is replaced by links to everything else in it', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const name of ['xacct', 'tool']) writeFileSync(join(bin, name), '#!/bin/sh\n', { mode: 0o755 });
    const other = join(dir, 'other');
    mkdirSync(other);
    const path = pathWithoutXacct(`relative:${bin}::${other}:${bin}`, join(dir, 'shadow'));
    expect(onPath('xacct', path)).toBe(false);
    expect(onPath('tool', path)).toBe(true);
    expect(path.split(':')).toEqual([join(dir, 'shadow', 'path-0'), other]);
  });

  it('drops the caller’s AWS, xacct, XDG and D-Bus variables', () => {
    const iso = isolateEnvironment({ PATH: '/usr/bin', HOME: '/root', AWS_PROFILE: 'p', XACCT_CONFIG: '/x', XDG_CONFIG_HOME: '/c', DBUS_SESSION_BUS_ADDRESS: 'unix:x', CI: 'true' });
    try {
      expect(iso.changes).toMatchObject({ AWS_PROFILE: undefined, XACCT_CONFIG: undefined, XDG_CONFIG_HOME: undefined, DBUS_SESSION_BUS_ADDRESS: undefined, PATH: '/usr/bin' });
      expect(iso.changes.HOME).not.toBe('/root');
      expect(iso.changes).not.toHaveProperty('CI');
    } finally {
      iso.cleanup();
    }
  });
});
