/**
 * OTLP JSON export requests built as Claude Code sends them (meter com.anthropic.claude_code, delta
 * monotonic sums with asDouble values, events as log records): for tests that need metrics the
 * captures lack (commits, pull requests, edit rejections, API errors) or chosen values and days.
 */

export interface MetricPoint {
  /** e.g. claude_code.commit.count */
  metric: string;
  value: number;
  /** Point attributes (type, model, tool_name, decision, language, …). */
  attributes?: Record<string, string>;
  /** The point's end (Unix ms); it covers the second before it, so points of one series must end ≥ 1 s apart. */
  endMs: number;
}

export interface EventRecord {
  name: 'api_request' | 'api_error' | 'user_prompt' | 'tool_result';
  model?: string;
  session: string;
  sequence: number;
  timeMs: number;
}

const nanos = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();
const attributes = (values: Record<string, string | number>) =>
  Object.entries(values).map(([key, value]) => ({ key, value: typeof value === 'number' ? { intValue: value } : { stringValue: value } }));

/** The resource Claude Code describes itself with, plus `extra` (ccstats.device, host.name, …). */
function resource(extra: Record<string, string>) {
  return { attributes: attributes({ 'service.name': 'claude-code', 'service.version': '2.1.328', 'os.type': 'linux', ...extra }) };
}

/** One ExportMetricsServiceRequest with every point as a delta point of its metric. */
export function metricsRequest(points: MetricPoint[], extraResource: Record<string, string> = {}) {
  const byMetric = new Map<string, MetricPoint[]>();
  for (const p of points) byMetric.set(p.metric, [...(byMetric.get(p.metric) ?? []), p]);
  return {
    resourceMetrics: [
      {
        resource: resource(extraResource),
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.328' },
            metrics: [...byMetric].map(([name, list]) => ({
              name,
              sum: {
                aggregationTemporality: 1,
                isMonotonic: true,
                dataPoints: list.map((p) => ({
                  attributes: attributes({ 'session.id': 'test-session', ...(p.attributes ?? {}) }),
                  startTimeUnixNano: nanos(p.endMs - 1000),
                  timeUnixNano: nanos(p.endMs),
                  asDouble: p.value,
                })),
              },
            })),
          },
        ],
      },
    ],
  };
}

/** One ExportLogsServiceRequest with Claude Code's events. */
export function logsRequest(events: EventRecord[], extraResource: Record<string, string> = {}) {
  return {
    resourceLogs: [
      {
        resource: resource(extraResource),
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events', version: '2.1.328' },
            logRecords: events.map((e) => ({
              timeUnixNano: nanos(e.timeMs),
              observedTimeUnixNano: nanos(e.timeMs),
              body: { stringValue: `claude_code.${e.name}` },
              attributes: attributes({
                'event.name': e.name,
                'event.timestamp': new Date(e.timeMs).toISOString(),
                'event.sequence': e.sequence,
                'session.id': e.session,
                ...(e.model ? { model: e.model } : {}),
              }),
            })),
          },
        ],
      },
    ],
  };
}
