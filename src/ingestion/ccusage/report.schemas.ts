import { z } from 'zod';
import { REPORT_ADAPTERS } from './adapters/registry.js';
import { totalsSchema } from './row.schemas.js';

/**
 * What the upload endpoint documents as its body, made of the adapters' own schemas: the rows of
 * every daily format as items of one `daily` list, then each format that documents a document of
 * its own (adapters/registry.ts). The parser validates a row at a time with the same row schemas.
 */
const dailyRows = REPORT_ADAPTERS.flatMap((adapter) => (adapter.documentSchema ? [] : [adapter.rowSchema]));
const documents = REPORT_ADAPTERS.flatMap((adapter) => (adapter.documentSchema ? [adapter.documentSchema] : []));

export const CcusageReportSchema = z.union([z.looseObject({ daily: z.array(z.union(dailyRows)), totals: totalsSchema }), ...documents]).meta({
  id: 'CcusageDailyReport',
  description:
    'The JSON that ccusage prints, unmodified: `ccusage claude daily --json` (v20), `ccusage daily --json` ' +
    '(v15–v20, classic or all-agent, with or without --by-agent), `--instances` output, or an empty report.',
});
