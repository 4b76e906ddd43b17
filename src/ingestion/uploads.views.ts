import { columns, type CsvView } from '../common/http-views.js';
import type { UploadList } from './uploads.schemas.js';

type Upload = UploadList['uploads'][number];

export const UPLOADS_CSV: CsvView<UploadList, Upload> = {
  filename: (body) => `${body.username}-uploads.csv`,
  rows: (body) => body.uploads,
  columns: columns<Upload>(
    'id',
    'createdAt',
    'device',
    'format',
    'tz',
    'days',
    'from',
    'to',
    'inserted',
    'updated',
    'unchanged',
    { header: 'totalTokens', value: (u) => u.totals.totalTokens },
    { header: 'totalCost', value: (u) => u.totals.totalCost },
    'sizeBytes',
  ),
};
