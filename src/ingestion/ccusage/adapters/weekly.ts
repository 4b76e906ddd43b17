import { isObject } from '../day-rows.js';
import { refusedReport } from '../report-adapter.js';

/** `ccusage weekly --json` (and `claude weekly`): `weekly` rows, a week each. Refused: the server keeps days. */
export const weekly = refusedReport('weekly', (body) => isObject(body) && 'weekly' in body);
