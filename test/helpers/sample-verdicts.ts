/**
 * What the server must make of every real ccusage output in test/fixtures/ccusage (MANIFEST.txt
 * says which command made each): shared by the end-to-end upload test and the parser's unit test.
 */

/** Which report each real ccusage output is (MANIFEST.txt) and what the server must make of it. */
export const ACCEPTED: Record<string, string> = {
  'claude-daily.json': 'claude-daily',
  'claude-daily-breakdown.json': 'claude-daily',
  'claude-daily-since-until.json': 'claude-daily',
  'claude-daily-order-desc.json': 'claude-daily',
  'claude-daily-project.json': 'claude-daily',
  'claude-daily-tz-los-angeles.json': 'claude-daily',
  'claude-daily-tz-tokyo.json': 'claude-daily',
  'claude-daily-no-cost.json': 'claude-daily',
  'claude-daily-instances.json': 'instances',
  'claude-daily-instances-project.json': 'instances',
  'daily.json': 'all-agent-daily',
  'daily-since-until.json': 'all-agent-daily',
  'daily-tz-los-angeles.json': 'all-agent-daily',
  'daily-by-agent.json': 'all-agent-daily',
  'daily-sections.json': 'all-agent-daily',
  'default-no-subcommand.json': 'all-agent-daily',
  'mixed-claude-codex-daily.json': 'all-agent-daily',
  'mixed-claude-codex-daily-by-agent.json': 'all-agent-daily',
  'heavy-claude-daily.json': 'claude-daily',
  'heavy-daily.json': 'all-agent-daily',
  'legacy-claude-daily-mode-auto.json': 'claude-daily',
  'legacy-claude-daily-mode-calculate.json': 'claude-daily',
  'legacy-claude-daily-mode-display.json': 'claude-daily',
  'probe-claude-daily.json': 'claude-daily',
  'empty-claude-daily.json': 'empty',
  'empty-daily.json': 'empty',
  ...Object.fromEntries(
    ['legacy-v15.10.0', 'legacy-v17.2.1'].flatMap((v) => [
      [`${v}/daily.json`, 'claude-daily'],
      [`${v}/daily-breakdown.json`, 'claude-daily'],
      [`${v}/daily-since-until.json`, 'claude-daily'],
      [`${v}/daily-tz-los-angeles.json`, 'claude-daily'],
      [`${v}/heavy-daily.json`, 'claude-daily'],
      [`${v}/legacy-daily-mode-display.json`, 'claude-daily'],
      [`${v}/daily-instances.json`, 'instances'],
      [`${v}/empty-daily.json`, 'empty'],
    ]),
  ),
};

/** Reports of another kind: 422 naming what was sent. */
export const REFUSED: Record<string, string> = {
  'claude-weekly.json': 'weekly',
  'claude-weekly-monday.json': 'weekly',
  'weekly.json': 'weekly',
  'claude-monthly.json': 'monthly',
  'heavy-claude-monthly.json': 'monthly',
  'monthly.json': 'monthly',
  'claude-session.json': 'session',
  'session.json': 'session',
  'claude-blocks.json': 'blocks',
  'legacy-v15.10.0/weekly.json': 'weekly',
  'legacy-v15.10.0/monthly.json': 'monthly',
  'legacy-v15.10.0/session.json': 'session',
  'legacy-v17.2.1/weekly.json': 'weekly',
  'legacy-v17.2.1/monthly.json': 'monthly',
  'legacy-v17.2.1/session.json': 'session',
};

/** v15 and v17 passed negative and fractional token counts through (FORMAT.md §2): refused, by path. */
export const INVALID: Record<string, string[]> = {
  'legacy-v15.10.0/probe-daily.json': ['daily[7].inputTokens', 'daily[8].inputTokens', 'daily[8].totalTokens'],
  'legacy-v17.2.1/probe-daily.json': ['daily[7].inputTokens', 'daily[8].inputTokens', 'daily[8].totalTokens'],
};
