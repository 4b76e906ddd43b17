import { isObject } from '../day-rows.js';
import { refusedReport } from '../report-adapter.js';

/** `ccusage monthly --json` (and `claude monthly`): `monthly` rows, a month each. Refused: the server keeps days. */
export const monthly = refusedReport('monthly', (body) => isObject(body) && 'monthly' in body);
