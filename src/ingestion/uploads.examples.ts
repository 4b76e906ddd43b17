/**
 * Swagger examples: trimmed from real ccusage output (test/fixtures/ccusage), so that what the
 * docs show is what ccusage prints.
 */
export const CLAUDE_DAILY_EXAMPLE = {
  daily: [
    {
      cacheCreationTokens: 222871,
      cacheReadTokens: 5508458,
      date: '2025-06-01',
      inputTokens: 28345,
      modelBreakdowns: [
        {
          cacheCreationTokens: 68799,
          cacheReadTokens: 2251932,
          cost: 1.1736868499999997,
          inputTokens: 15239,
          modelName: 'claude-sonnet-4-5-20250929',
          outputTokens: 12728,
        },
        {
          cacheCreationTokens: 122836,
          cacheReadTokens: 2980539,
          cost: 0.0,
          inputTokens: 13015,
          missingPricing: true,
          modelName: 'claude-zephyr-9-20990101',
          outputTokens: 22946,
        },
      ],
      modelsUsed: ['claude-zephyr-9-20990101', 'claude-sonnet-4-5-20250929'],
      outputTokens: 38493,
      totalCost: 1.4111820599999998,
      totalTokens: 5798167,
    },
  ],
  totals: {
    cacheCreationTokens: 222871,
    cacheReadTokens: 5508458,
    inputTokens: 28345,
    outputTokens: 38493,
    totalCost: 1.4111820599999998,
    totalTokens: 5798167,
  },
};

export const ALL_AGENT_DAILY_EXAMPLE = {
  daily: [
    {
      agent: 'all',
      cacheCreationTokens: 222871,
      cacheReadTokens: 5516458,
      inputTokens: 32345,
      metadata: { agents: ['claude', 'codex'] },
      modelBreakdowns: [
        {
          cacheCreationTokens: 68799,
          cacheReadTokens: 2251932,
          cost: 1.1736868499999997,
          inputTokens: 15239,
          modelName: 'claude-sonnet-4-5-20250929',
          outputTokens: 12728,
        },
        { cacheCreationTokens: 0, cacheReadTokens: 8000, cost: 0.015, inputTokens: 4000, modelName: 'gpt-5-codex', outputTokens: 900 },
      ],
      modelsUsed: ['claude-sonnet-4-5-20250929', 'gpt-5-codex'],
      outputTokens: 39393,
      period: '2025-06-01',
      totalCost: 1.4261820599999997,
      totalTokens: 5811067,
    },
  ],
  totals: {
    cacheCreationTokens: 222871,
    cacheReadTokens: 5516458,
    inputTokens: 32345,
    outputTokens: 39393,
    totalCost: 1.4261820599999997,
    totalTokens: 5811067,
  },
};

export const UPLOAD_RESULT_EXAMPLE = {
  username: 'alice',
  device: 'laptop',
  format: 'claude-daily',
  days: 7,
  inserted: 7,
  updated: 0,
  unchanged: 0,
  ignored: 0,
  from: '2025-06-01',
  to: '2025-06-07',
  totals: { inputTokens: 159628, outputTokens: 356344, cacheCreationTokens: 1700378, cacheReadTokens: 37283460, totalTokens: 39499810, totalCost: '54.8771' },
  warnings: ['ccusage had no price for claude-zephyr-9-20990101: their cost is 0.'],
};
