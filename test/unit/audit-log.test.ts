import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/adapters/audit-log.js';
import type { AuditEntry } from '../../src/core/ports.js';

let work: string;
beforeAll(() => (work = mkdtempSync(join(tmpdir(), 'xacct-audit-'))));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const entry = (n: number): AuditEntry => ({
  time: `2030-01-01T00:00:0${n % 10}.000Z`,
  profile: 'prod-admin',
  roleArn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole',
  sessionName: 'alice',
  sourceIdentity: 'alice',
  expiration: '2030-01-01T01:00:00.000Z',
});

describe('audit log', () => {
  it('appends one JSON line per entry, creating the file 0600 in a 0700 folder', async () => {
    const path = join(work, 'a', 'state', 'xacct', 'audit.jsonl');
    const log = createAuditLog(path);
    await log.record(entry(1));
    await log.record({ ...entry(2), sourceIdentity: undefined });
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(entry(1));
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('sourceIdentity');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });

  it('writes only the audit fields, whatever else the object carries', async () => {
    const path = join(work, 'b', 'audit.jsonl');
    const leaky = { ...entry(1), secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'TOKEN' } as AuditEntry;
    await createAuditLog(path).record(leaky);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('wJalr');
    expect(text).not.toContain('TOKEN');
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(['expiration', 'profile', 'roleArn', 'sessionName', 'sourceIdentity', 'time']);
  });

  it('keeps the lines of concurrent writers whole, after what was there', async () => {
    const path = join(work, 'c', 'audit.jsonl');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{"old":true}\n');
    chmodSync(path, 0o644);
    await Promise.all(Array.from({ length: 50 }, (_, i) => createAuditLog(path).record(entry(i))));
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe('{"old":true}');
    for (const line of lines.slice(1)) expect(JSON.parse(line)).toMatchObject({ profile: 'prod-admin' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
