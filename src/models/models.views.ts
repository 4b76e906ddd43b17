import { columns, type CsvView, TOKEN_FIELDS } from '../common/http-views.js';
import type { ModelSeries, Models, Providers } from './models.schemas.js';

export const MODELS_CSV: CsvView<Models, Models['models'][number]> = {
  filename: () => 'models.csv',
  rows: (body) => body.models,
  columns: columns('model', 'provider', 'users', 'activeDays', ...TOKEN_FIELDS, 'cost', 'costShare'),
};

export const MODEL_SERIES_CSV: CsvView<ModelSeries, ModelSeries['rows'][number]> = {
  filename: () => 'model-usage.csv',
  rows: (body) => body.rows,
  columns: columns('date', 'users', 'activeDays', ...TOKEN_FIELDS, 'cost'),
};

export const PROVIDERS_CSV: CsvView<Providers, Providers['providers'][number]> = {
  filename: () => 'providers.csv',
  rows: (body) => body.providers,
  columns: columns('provider', 'users', 'activeDays', ...TOKEN_FIELDS, 'cost', 'costShare'),
};
