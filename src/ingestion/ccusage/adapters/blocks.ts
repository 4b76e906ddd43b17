import { isObject } from '../day-rows.js';
import { refusedReport } from '../report-adapter.js';

/**
 * `ccusage blocks --json`: 5-hour billing blocks in a vocabulary of their own. Refused: the server
 * keeps days. A document with `blocks` is refused even beside a `daily`.
 */
export const blocks = refusedReport('blocks', (body) => isObject(body) && 'blocks' in body);
