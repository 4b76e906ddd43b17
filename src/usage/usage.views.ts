import { columns, type CsvView, TOKEN_FIELDS } from '../common/http-views.js';
import type { CommunitySeries, ExportPage, Leaderboard, Weekly } from './stats.schemas.js';
import type { UserUsage } from './usage.schemas.js';

type Bucket = UserUsage['rows'][number];
type BucketModel = NonNullable<Bucket['models']>[number] & { date: string };

/** One line per bucket and model (the default, models=true). */
export const USER_USAGE_BY_MODEL_CSV: CsvView<UserUsage, BucketModel> = {
  filename: (body) => `${body.username}-usage.csv`,
  rows: (body) => body.rows.flatMap((r) => (r.models ?? []).map((m) => ({ ...m, date: r.date }))),
  columns: columns<BucketModel>('date', 'model', 'provider', ...TOKEN_FIELDS, 'cost'),
};

/** One line per bucket (models=false). */
export const USER_USAGE_CSV: CsvView<UserUsage, Bucket> = {
  filename: (body) => `${body.username}-usage.csv`,
  rows: (body) => body.rows,
  columns: columns<Bucket>('date', ...TOKEN_FIELDS, { header: 'cost', value: (r) => r.totalCost }),
};

type Entry = Leaderboard['entries'][number];
export const LEADERBOARD_CSV: CsvView<Leaderboard, Entry> = {
  filename: (body) => `leaderboard-${body.period}.csv`,
  rows: (body) => body.entries,
  // value (the ranked metric) last: the columns before it kept their places when it came.
  columns: columns<Entry>('rank', 'username', ...TOKEN_FIELDS, 'totalCost', 'activeDays', 'topModel', 'value', 'displayName'),
};

type WeeklyRow = Weekly['rows'][number];
export const WEEKLY_CSV: CsvView<Weekly, WeeklyRow> = {
  filename: () => 'weekly.csv',
  rows: (body) => body.rows,
  columns: columns<WeeklyRow>('username', 'date', 'totalCost', 'totalTokens'),
};

/** The export's lines, for the CSV streamed over the whole range. */
export const EXPORT_COLUMNS = columns<ExportPage['rows'][number]>('username', 'date', ...TOKEN_FIELDS, 'totalCost');

type SeriesRow = CommunitySeries['rows'][number];
export const COMMUNITY_SERIES_CSV: CsvView<CommunitySeries, SeriesRow> = {
  filename: (body) => `usage-by-${body.granularity}.csv`,
  rows: (body) => body.rows,
  // Withheld numbers are empty cells (docs/privacy.md); the flags come last, so earlier columns keep their places.
  columns: columns<SeriesRow>('date', 'activeUsers', ...TOKEN_FIELDS, 'totalCost', 'withheld', 'costWithheld'),
};
