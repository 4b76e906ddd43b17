import { usageStats } from '../../src/db/schema.js';
import { keyedRows } from '../../src/read-model/rows.js';

describe('keyedRows', () => {
  it('turns every SQL name into the key the schema declares for it', () => {
    const columns = Object.entries(usageStats).filter(([, c]) => typeof c === 'object' && c !== null && 'name' in c) as Array<[string, { name: string }]>;
    expect(columns.length).toBeGreaterThan(5);
    const row = Object.fromEntries(columns.map(([, c], i) => [c.name, String(i)]));
    const [keyed] = keyedRows<Record<string, string>>({ rows: [row] });
    expect(keyed).toEqual(Object.fromEntries(columns.map(([key], i) => [key, String(i)])));
  });

  it('keeps names without underscores and every row of the result', () => {
    const rows = keyedRows<{ rank: string; last_upload: string | null }>({
      rows: [
        { rank: '1', last_upload: null },
        { rank: '2', last_upload: '2026-01-01T00:00:00.000Z' },
      ],
    });
    expect(rows).toEqual([
      { rank: '1', lastUpload: null },
      { rank: '2', lastUpload: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('answers no rows for an empty result', () => {
    expect(keyedRows({ rows: [] })).toEqual([]);
  });
});
