import { shownTotals, withholdingOf, withholdingOfSum } from '../../src/read-model/withholding.js';

/** The community-totals rule (docs/privacy.md, "Community totals") as pure functions: parts in, what is shown out. */

describe('withholdingOf: a part of exactly one is withheld', () => {
  it.each([
    // [hidden users, users whose money is hidden (a superset), withheld, costWithheld]
    [0, 0, false, false],
    [0, 1, false, true],
    [0, 2, false, false],
    [1, 1, true, true],
    [1, 2, true, true],
    [1, 3, true, true],
    [2, 2, false, false],
    [2, 3, false, false],
    [5, 9, false, false],
  ])('%i hidden and %i with hidden money: withheld %s, money withheld %s', (hidden, costHidden, withheld, costWithheld) => {
    expect(withholdingOf({ hidden, costHidden })).toEqual({ withheld, costWithheld });
  });

  it('shows everything when nothing was counted (no one hidden from the caller)', () => {
    expect(withholdingOf(undefined)).toEqual({ withheld: false, costWithheld: false });
  });
});

describe('withholdingOfSum: a sum of cells printed beside them', () => {
  const shown = { withheld: false, costWithheld: false };
  it.each([
    [[], shown],
    [[shown, shown], shown],
    [[shown, { withheld: false, costWithheld: true }], { withheld: false, costWithheld: true }],
    [[{ withheld: true, costWithheld: true }, shown], { withheld: true, costWithheld: true }],
  ])('%j → %j', (cells, expected) => {
    expect(withholdingOfSum(cells)).toEqual(expected);
  });
});

describe('shownTotals', () => {
  const totals = { inputTokens: 1, outputTokens: 2, cacheCreationTokens: 3, cacheReadTokens: 4, totalTokens: 10, totalCost: '1.2345' };
  it('nulls every number when withheld, only the money when the money is', () => {
    expect(shownTotals(totals, { withheld: false, costWithheld: false })).toEqual({ ...totals, withheld: false, costWithheld: false });
    expect(shownTotals(totals, { withheld: false, costWithheld: true })).toEqual({ ...totals, totalCost: null, withheld: false, costWithheld: true });
    expect(shownTotals(totals, { withheld: true, costWithheld: true })).toEqual({
      inputTokens: null,
      outputTokens: null,
      cacheCreationTokens: null,
      cacheReadTokens: null,
      totalTokens: null,
      totalCost: null,
      withheld: true,
      costWithheld: true,
    });
  });
});
