import { shared } from './jest.config.js';

/**
 * The unit tier: pure logic (the parser on every sample, costs, periods and masks, provider rules,
 * days, JSON body and CSV rules, bounds), no database and no app, milliseconds a test. `npm test`
 * runs it first, then the end-to-end tier.
 */
export default {
  ...shared,
  roots: ['<rootDir>/test/unit'],
  testTimeout: 10_000,
};
