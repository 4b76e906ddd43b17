import { isObject } from '../day-rows.js';
import { refusedReport } from '../report-adapter.js';

/** `ccusage session --json`: `sessions` (`claude session`) or `session` rows. Refused: the server keeps days. */
export const session = refusedReport('session', (body) => isObject(body) && ('sessions' in body || 'session' in body));
