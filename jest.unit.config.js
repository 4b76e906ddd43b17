import { shared } from './jest.config.js';

/**
 * The unit tier: pure logic (parser, costs, periods and masks, provider rules, bounds), no database
 * and no app, milliseconds a test. `npm test` runs it first, then the end-to-end tier.
 */
export default {
  ...shared,
  roots: ['<rootDir>/test/unit'],
  testTimeout: 10_000,
};
