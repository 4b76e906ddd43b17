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
