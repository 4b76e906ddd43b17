import { columns, type CsvView, TOKEN_FIELDS } from '../common/http-views.js';
import type { TeamModels, TeamSeries } from './team-reads.schemas.js';

type SeriesRow = TeamSeries['rows'][number];
/** The community series' columns (activeMembers for activeUsers), then `month` on a retired month's whole row. */
export const TEAM_SERIES_CSV: CsvView<TeamSeries, SeriesRow> = {
  filename: (body) => `${body.team}-usage-by-${body.granularity}.csv`,
  rows: (body) => body.rows,
  columns: columns<SeriesRow>('date', 'activeMembers', ...TOKEN_FIELDS, 'totalCost', { header: 'granularity', value: (r) => r.granularity ?? null }),
};

type Share = TeamModels['rows'][number];
/** GET /models' columns, the model or provider under `key`. */
export const TEAM_MODELS_CSV: CsvView<TeamModels, Share> = {
  filename: (body) => `${body.team}-${body.by === 'model' ? 'models' : 'providers'}.csv`,
  rows: (body) => body.rows,
  columns: columns<Share>('key', 'provider', 'users', ...TOKEN_FIELDS, 'cost', 'costShare'),
};
