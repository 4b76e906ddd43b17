/**
 * What the telemetry benchmark sends (bench/telemetry.mjs): Claude Code's metrics export as it
 * arrives every 60 s with delta temporality, and the same token numbers as ccusage daily reports.
 * Deterministic: exporter c's batch i carries the same numbers in every phase and every run.
 */

export const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805'];
export const TOKEN_TYPES = ['input', 'output', 'cacheRead', 'cacheCreation'];
export const POINTS_PER_BATCH = TOKEN_TYPES.length * MODELS.length + MODELS.length + 1 + 2 + 2;
export const MINUTE_NS = 60_000_000_000n;

/** A deterministic generator for (client, batch): every phase sends the same numbers for the same batch. */
function numbers(client, batch) {
  let x = (Math.imul(client + 1, 2654435761) ^ Math.imul(batch + 1, 40503)) >>> 0 || 1;
  return (max) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return 1 + (x % max);
  };
}

/**
 * Exporter `client`'s batch `i`: its interval, UTC day, and per model the tokens by type and the
 * cost in ten-thousandths of a dollar (whole, so sums are exact in every path), plus activity.
 */
export function batchData(client, i, t0) {
  const next = numbers(client, i);
  const start = t0 + BigInt(i) * MINUTE_NS;
  const end = start + MINUTE_NS;
  const models = {};
  for (const model of MODELS) {
    models[model] = { input: next(4_000), output: next(12_000), cacheRead: next(600_000), cacheCreation: next(60_000), costK: next(40_000) };
  }
  return {
    start,
    end,
    day: new Date(Number(end / 1_000_000n)).toISOString().slice(0, 10),
    models,
    sessions: i === 0 ? 1 : 0,
    linesAdded: next(200) - 1,
    linesRemoved: next(80) - 1,
    // Active seconds in tenths (whole), so their sums are exact too.
    activeUserTenths: next(600),
    activeCliTenths: next(400),
  };
}

/** What one Claude Code process says of itself on every point (fixed per exporter). */
function identity(client) {
  const hex = (n, len) => n.toString(16).padStart(len, '0').slice(-len);
  return {
    session: `${hex(0x1d2f7ebc + client, 8)}-12d0-4c19-acc6-${hex(0xa4f3bde8b97a + client, 12)}`,
    user: hex(0x3210e277c87b + client, 12)
      .repeat(5)
      .slice(0, 64),
    account: `7c0d${hex(client, 4)}-5b1e-4c3a-9f6e-0a1b2c3d4e5f`,
    organization: '8e1f6a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
  };
}

const text = (key, value) => ({ key, value: { stringValue: value } });

/** Batch `i` of exporter `client` as an ExportMetricsServiceRequest in its OTLP JSON form (also protobufjs's fromObject input). */
export function metricsRequest(client, data) {
  const who = identity(client);
  const common = [
    text('user.id', who.user),
    text('session.id', who.session),
    text('organization.id', who.organization),
    text('user.account_uuid', who.account),
    text('terminal.type', 'vscode'),
    text('anthropic.provider', 'firstParty'),
  ];
  const startTimeUnixNano = String(data.start);
  const timeUnixNano = String(data.end);
  const point = (value, ...attributes) => ({ attributes: [...common, ...attributes], startTimeUnixNano, timeUnixNano, asDouble: value });
  const sum = (name, unit, dataPoints) => ({ name, unit, sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints } });
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            text('host.arch', 'amd64'),
            text('os.type', 'linux'),
            text('service.name', 'claude-code'),
            text('service.version', '2.1.328'),
            text('ccstats.device', 'laptop'),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.328' },
            metrics: [
              sum('claude_code.session.count', '', [point(data.sessions, text('start_type', 'fresh'))]),
              sum('claude_code.lines_of_code.count', '', [
                point(data.linesAdded, text('type', 'added'), text('model', MODELS[0])),
                point(data.linesRemoved, text('type', 'removed'), text('model', MODELS[0])),
              ]),
              sum(
                'claude_code.cost.usage',
                'USD',
                MODELS.map((model) => point(data.models[model].costK / 10_000, text('model', model), text('query_source', 'main'))),
              ),
              sum(
                'claude_code.token.usage',
                'tokens',
                MODELS.flatMap((model) =>
                  TOKEN_TYPES.map((type) => point(data.models[model][type], text('type', type), text('model', model), text('query_source', 'main'))),
                ),
              ),
              sum('claude_code.active_time.total', 's', [
                point(data.activeUserTenths / 10, text('type', 'user')),
                point(data.activeCliTenths / 10, text('type', 'cli')),
              ]),
            ],
          },
        ],
      },
    ],
  };
}

/** A ccusage `daily --json` report of one day with these per-model totals (emptyTotals' shape): what a cron upload holds for it. */
export function dailyReport(day, perModel) {
  const modelBreakdowns = MODELS.filter((m) => perModel[m]).map((modelName) => {
    const m = perModel[modelName];
    return {
      modelName,
      inputTokens: m.input,
      outputTokens: m.output,
      cacheCreationTokens: m.cacheCreation,
      cacheReadTokens: m.cacheRead,
      cost: m.costK / 10_000,
    };
  });
  const sum = (k) => modelBreakdowns.reduce((s, m) => s + m[k], 0);
  const tokens = {
    inputTokens: sum('inputTokens'),
    outputTokens: sum('outputTokens'),
    cacheCreationTokens: sum('cacheCreationTokens'),
    cacheReadTokens: sum('cacheReadTokens'),
  };
  const totalTokens = tokens.inputTokens + tokens.outputTokens + tokens.cacheCreationTokens + tokens.cacheReadTokens;
  const totalCost = MODELS.reduce((s, m) => s + (perModel[m]?.costK ?? 0), 0) / 10_000;
  const row = { date: day, ...tokens, totalTokens, totalCost, modelsUsed: modelBreakdowns.map((m) => m.modelName), modelBreakdowns };
  return { daily: [row], totals: { ...tokens, totalTokens, totalCost } };
}

/** Per model, what a user was sent (and must have stored): tokens by type and cost in ten-thousandths. */
export function emptyTotals() {
  return Object.fromEntries(MODELS.map((m) => [m, { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, costK: 0 }]));
}
/** A batch's activity as GET /api/v1/users/:u/activity names it (active time in tenths of a second). */
export const ACTIVITY = {
  sessions: (data) => data.sessions,
  linesAdded: (data) => data.linesAdded,
  linesRemoved: (data) => data.linesRemoved,
  activeTimeUser: (data) => data.activeUserTenths,
  activeTimeCli: (data) => data.activeCliTenths,
};

/** Adds a batch's tokens and cost to per-model totals. */
export function addBatch(totals, data) {
  for (const model of MODELS) for (const k of [...TOKEN_TYPES, 'costK']) totals[model][k] += data.models[model][k];
}
