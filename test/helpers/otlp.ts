import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** The captures of Claude Code's own OTLP export (test/fixtures/claude-code-otel/, README there). */
export function otelFixture(name: string): Buffer {
  const bytes = readFileSync(new URL(`../fixtures/claude-code-otel/${name}`, import.meta.url));
  return name.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

const TIME_KEYS = new Set(['timeUnixNano', 'startTimeUnixNano', 'observedTimeUnixNano']);

/**
 * An OTLP JSON capture with every time moved by the same amount, so that its latest time is
 * `latestMs` (Unix ms): the captures are older than the receiver's 48-hour window.
 */
export function shiftTimes<T>(capture: T, latestMs: number): T {
  let latest = 0n;
  const visit = (value: unknown, apply: (key: string, text: string) => string | undefined): unknown => {
    if (Array.isArray(value)) return value.map((v) => visit(v, apply));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          TIME_KEYS.has(k) && (typeof v === 'string' || typeof v === 'number') ? (apply(k, String(v)) ?? v) : visit(v, apply),
        ]),
      );
    }
    return value;
  };
  visit(capture, (_k, text) => {
    if (BigInt(text) > latest) latest = BigInt(text);
    return undefined;
  });
  const shift = BigInt(latestMs) * 1_000_000n - latest;
  return visit(capture, (_k, text) => (BigInt(text) === 0n ? text : String(BigInt(text) + shift))) as T;
}

type Attributes = Record<string, string | number>;

/** OTLP JSON key-value list: strings as stringValue, whole numbers as intValue, others as doubleValue. */
export function otlpAttributes(attributes: Attributes) {
  return Object.entries(attributes).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? { stringValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
  }));
}

export interface SumPoint {
  startMs: number;
  endMs: number;
  value: number;
  attributes?: Attributes;
}

/**
 * An ExportMetricsServiceRequest in OTLP JSON as Claude Code sends it: one resource, the meter
 * com.anthropic.claude_code, monotonic sums with `asDouble` values.
 */
export function metricsRequest(resource: Attributes, metrics: Array<{ name: string; temporality: 'delta' | 'cumulative'; points: SumPoint[] }>) {
  const nanos = (ms: number) => `${BigInt(Math.trunc(ms)) * 1_000_000n}`;
  return {
    resourceMetrics: [
      {
        resource: { attributes: otlpAttributes({ 'service.name': 'claude-code', ...resource }) },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.0' },
            metrics: metrics.map((m) => ({
              name: m.name,
              sum: {
                aggregationTemporality: m.temporality === 'delta' ? 1 : 2,
                isMonotonic: true,
                dataPoints: m.points.map((p) => ({
                  startTimeUnixNano: nanos(p.startMs),
                  timeUnixNano: nanos(p.endMs),
                  asDouble: p.value,
                  attributes: otlpAttributes(p.attributes ?? {}),
                })),
              },
            })),
          },
        ],
      },
    ],
  };
}
