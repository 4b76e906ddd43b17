import { columns, type CsvView, TOKEN_FIELDS } from '../common/http-views.js';
import type { ModelSeries, Models, Providers } from './models.schemas.js';

// Withheld numbers (docs/privacy.md, "Community totals") are empty cells; the flags come last, so earlier columns keep their places.

export const MODELS_CSV: CsvView<Models, Models['models'][number]> = {
  filename: () => 'models.csv',
  rows: (body) => body.models,
  columns: columns('model', 'provider', 'users', 'activeDays', ...TOKEN_FIELDS, 'cost', 'costShare', 'withheld', 'costWithheld'),
};

export const MODEL_SERIES_CSV: CsvView<ModelSeries, ModelSeries['rows'][number]> = {
  filename: () => 'model-usage.csv',
  rows: (body) => body.rows,
  columns: columns('date', 'users', 'activeDays', ...TOKEN_FIELDS, 'cost', 'withheld', 'costWithheld'),
};

export const PROVIDERS_CSV: CsvView<Providers, Providers['providers'][number]> = {
  filename: () => 'providers.csv',
  rows: (body) => body.providers,
  columns: columns('provider', 'users', 'activeDays', ...TOKEN_FIELDS, 'cost', 'costShare', 'withheld', 'costWithheld'),
};
