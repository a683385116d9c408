/** The names `xacct sync` gives accounts (SPEC, "Accounts from AWS Organizations"), and what a sync changes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountNames, baseName } from '../../src/core/organization/naming.js';
import { planSync } from '../../src/core/organization/plan-sync.js';
import type { ListedAccount } from '../../src/core/organization/types.js';
import { NAME } from '../../src/core/profile-map/checks.js';

const account = (id: string, name: string, joinedMs: number, state = 'ACTIVE'): ListedAccount => ({ id, name, joinedMs, state });

describe('baseName', () => {
  it.each([
    ['Prod', 'prod'],
    ['Shared Services', 'shared-services'],
    ['Data_Lake  EU!', 'data-lake-eu'],
    ['team/payments (EU)', 'team-payments-eu'],
    ['  -- sandbox --  ', 'sandbox'],
    ['ÜBER prod', 'ber-prod'],
    ['!!!', 'account'],
    ['123 Accounts', '123-accounts'],
  ])('%j → %j', (name, expected) => {
    expect(baseName(name)).toBe(expected);
  });
});

describe('accountNames', () => {
  it('gives a contested name to the account that joined first, whatever the listing order', () => {
    const first = account('111111111234', 'Shared Services', 1_000);
    const second = account('222222225678', 'shared-services', 2_000);
    const third = account('333333339999', 'SHARED SERVICES', 3_000);
    for (const order of [[first, second, third], [third, second, first], [second, third, first]]) {
      expect(Object.fromEntries(accountNames(order))).toEqual({
        '111111111234': 'shared-services',
        '222222225678': 'shared-services-5678',
        '333333339999': 'shared-services-9999',
      });
    }
  });

  it('never lets a suffixed name take a plain one, and falls back to the whole id when the suffix is taken', () => {
    const names = accountNames([
      account('111111111234', 'Prod', 1),
      account('222222221234', 'Prod', 2), // prod-1234
      account('333333331234', 'Prod', 3), // prod-1234 is taken: the whole id
      account('444444444444', 'Prod 5678', 4), // a plain name, joined after the others: still plain
      account('555555555678', 'Prod', 5), // prod-5678 is the plain name of the account above
    ]);
    expect(Object.fromEntries(names)).toEqual({
      '111111111234': 'prod',
      '222222221234': 'prod-1234',
      '333333331234': 'prod-333333331234',
      '444444444444': 'prod-5678',
      '555555555678': 'prod-555555555678',
    });
  });

  it('property: names are unique, valid profile-map names, and independent of the listing order', () => {
    const ids = fc.uniqueArray(fc.stringMatching(/^\d{12}$/), { minLength: 1, maxLength: 30 });
    const words = fc.constantFrom('Prod', 'prod', 'Dev', 'Shared Services', 'shared_services', '!!', 'Prod 1234', 'Ünï');
    let contested = 0;
    fc.assert(
      fc.property(ids, fc.array(words, { minLength: 30, maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 30, maxLength: 30 }), (idList, nameList, joined) => {
        const accounts = idList.map((id, i) => account(id, nameList[i]!, joined[i]!));
        const names = accountNames(accounts);
        const values = [...names.values()];
        expect(new Set(values).size).toBe(accounts.length);
        for (const v of values) expect(NAME.test(v)).toBe(true);
        expect(accountNames([...accounts].reverse())).toEqual(names);
        if (values.some((v) => /-\d{4,}$/.test(v))) contested++;
      }),
      { numRuns: 300 },
    );
    // The generator reaches the interesting case (contested names) in most runs.
    expect(contested).toBeGreaterThan(200);
  });
});

describe('planSync', () => {
  const before = [
    { name: 'prod', id: '111111111111' },
    { name: 'shared-2222', id: '222222222222' },
    { name: 'gone', id: '999999999999' },
  ];
  const listed = [
    account('111111111111', 'Prod', 1),
    account('222222222222', 'Shared', 2), // its contested name is free now: renamed
    account('333333333333', 'New One', 3),
    account('444444444444', 'Closed', 4, 'SUSPENDED'),
    account('555555555555', 'Sandbox Play', 5),
  ];

  it('keeps ACTIVE accounts, leaves out what exclude matches (by name or id), and says what changed', () => {
    const plan = planSync(listed, before, { exclude: ['sandbox-*'] });
    expect(plan.accounts.map((a) => a.name)).toEqual(['new-one', 'prod', 'shared']);
    expect(plan.added.map((a) => a.name)).toEqual(['new-one']);
    expect(plan.removed).toEqual([{ name: 'gone', id: '999999999999' }]);
    expect(plan.renamed).toEqual([{ id: '222222222222', from: 'shared-2222', to: 'shared' }]);
    expect(plan.inactive).toBe(1);
    expect(plan.excluded.map((a) => a.name)).toEqual(['sandbox-play']);
    expect(planSync(listed, before, { exclude: ['3333*'] }).accounts.map((a) => a.name)).toEqual(['prod', 'sandbox-play', 'shared']);
  });

  it('changes nothing when nothing changed', () => {
    const first = planSync(listed, []);
    const again = planSync(listed, first.accounts);
    expect([again.added, again.removed, again.renamed]).toEqual([[], [], []]);
  });
});
