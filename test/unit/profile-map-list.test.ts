import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTable, listEntries } from '../../src/cli/commands/list.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';

const SPEC_EXAMPLE = readFileSync(new URL('../fixtures/profile-map/spec-example.toml', import.meta.url), 'utf8');
const map = buildProfileMap({ profileMap: { file: 'config.toml', text: SPEC_EXAMPLE } });

describe('xacct list rows', () => {
  it('have stable keys, null for what is not set, sorted by name', async () => {
    const entries = await listEntries(map);
    expect(entries.map((e) => e.name)).toEqual(['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly', 'vendor-audit']);
    expect(entries[4]).toEqual({
      name: 'vendor-audit',
      accountId: '444444444444',
      accountName: null,
      roleArn: 'arn:aws:iam::444444444444:role/Auditor',
      roleName: 'Auditor',
      source: 'identity',
      parent: null,
      mfaSerial: 'arn:aws:iam::111111111111:mfa/alice',
      region: 'eu-west-1',
      durationSeconds: 3600,
      origin: 'explicit',
      session: null,
    });
  });

  it('print a table with SESSION unknown until the cache is asked', async () => {
    expect(formatTable(await listEntries(map), false)).toBe(
      [
        'PROFILE           ACCOUNT                 ROLE ARN                                                      SOURCE    MFA                                  SESSION',
        'prod-admin        prod (222222222222)     arn:aws:iam::222222222222:role/OrganizationAccountAccessRole  identity  arn:aws:iam::111111111111:mfa/alice  unknown',
        'prod-readonly     prod (222222222222)     arn:aws:iam::222222222222:role/ReadOnly                       identity  arn:aws:iam::111111111111:mfa/alice  unknown',
        'staging-admin     staging (333333333333)  arn:aws:iam::333333333333:role/OrganizationAccountAccessRole  identity  arn:aws:iam::111111111111:mfa/alice  unknown',
        'staging-readonly  staging (333333333333)  arn:aws:iam::333333333333:role/ReadOnly                       identity  arn:aws:iam::111111111111:mfa/alice  unknown',
        'vendor-audit      444444444444            arn:aws:iam::444444444444:role/Auditor                        identity  arn:aws:iam::111111111111:mfa/alice  unknown',
        '',
      ].join('\n'),
    );
  });

  it('show the time left of cached sessions through the seam', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    const cached: Record<string, { expiresAt: Date; stale: boolean }> = {
      'prod-admin': { expiresAt: at(2820), stale: false },
      'prod-readonly': { expiresAt: at(-5), stale: false },
      'staging-readonly': { expiresAt: at(3000), stale: true },
    };
    const entries = await listEntries(map, async (p) => cached[p.name] ?? null, now);
    expect(entries[0]!.session).toEqual({ secondsLeft: 2820, expiresAt: '2030-01-01T00:47:00.000Z', stale: false });
    expect(entries[2]!.session).toBeNull();
    const sessions = formatTable(entries, true)
      .trimEnd()
      .split('\n')
      .map((line) => line.split(/\s+/).at(-1));
    expect(sessions).toEqual(['SESSION', '47m', 'expired', '-', 'stale', '-']);
  });

  it('show "-" for a source without MFA', async () => {
    const noMfa = buildProfileMap({ profileMap: { file: 'c.toml', text: '[sources.s]\n[profiles.p]\nrole_arn = "arn:aws:iam::222222222222:role/R"\n' } });
    expect(formatTable(await listEntries(noMfa), false).split('\n')[1]).toBe('p        222222222222  arn:aws:iam::222222222222:role/R  s       -    unknown');
  });
});
