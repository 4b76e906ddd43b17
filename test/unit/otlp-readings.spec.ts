import { decodeMetricsRequest } from '../../src/ingestion/otlp/otlp-decode.js';
import { metricsToPoints } from '../../src/ingestion/otlp/otlp-points.js';
import { DEFAULT_TELEMETRY_DEVICE, deviceOf, eventsToReadings, pointsToReadings, utcDayOfNanos } from '../../src/ingestion/otlp/otlp-readings.js';
import type { TelemetryEvent } from '../../src/ingestion/otlp/otlp.types.js';
import { metricsRequest } from '../helpers/otlp.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const MINUTE = 60_000;
const MODEL = 'claude-sonnet-4-5-20250929';

/** Points as the decoder gives them, from an OTLP JSON request built like Claude Code's. */
function points(resource: Record<string, string>, metrics: Parameters<typeof metricsRequest>[1]) {
  const body = Buffer.from(JSON.stringify(metricsRequest(resource, metrics)));
  const decoded = metricsToPoints(decodeMetricsRequest({ body, contentType: 'application/json' }).request, { now: NOW });
  expect(decoded.rejected).toBe(0);
  return decoded.items;
}

const point = (endMs: number, value: number, attributes: Record<string, string>) => ({ startMs: endMs - MINUTE, endMs, value, attributes });

describe('the device of a resource', () => {
  it('is ccstats.device, else a valid host.name, else otel', () => {
    expect(deviceOf({ 'ccstats.device': 'laptop', 'host.name': 'box' })).toBe('laptop');
    expect(deviceOf({ 'host.name': 'box.local' })).toBe('box.local');
    expect(deviceOf({ 'host.name': 'bad/host' })).toBe(DEFAULT_TELEMETRY_DEVICE);
    expect(deviceOf({})).toBe(DEFAULT_TELEMETRY_DEVICE);
  });

  it('refuses a ccstats.device that is not a device name rather than invent another device', () => {
    expect(deviceOf({ 'ccstats.device': 'a/b' })).toEqual({ refused: expect.stringContaining('ccstats.device') });
    expect(deviceOf({ 'ccstats.device': 'x'.repeat(65) })).toEqual({ refused: expect.any(String) });
  });
});

describe('points to readings', () => {
  it('sends tokens, cost and activity where Claude Code means them, on the UTC day of the end time', () => {
    const justAfterMidnight = Date.UTC(2026, 10, 27, 0, 0, 30);
    const readings = pointsToReadings(
      points({ 'ccstats.device': 'laptop' }, [
        { name: 'claude_code.token.usage', temporality: 'delta', points: [point(justAfterMidnight, 120, { type: 'cacheRead', model: MODEL })] },
        { name: 'claude_code.cost.usage', temporality: 'delta', points: [point(NOW, 0.25, { model: MODEL })] },
        { name: 'claude_code.lines_of_code.count', temporality: 'delta', points: [point(NOW, 7, { type: 'removed' })] },
        {
          name: 'claude_code.code_edit_tool.decision',
          temporality: 'delta',
          points: [point(NOW, 1, { decision: 'reject', tool_name: 'Edit', language: 'Rust' })],
        },
        { name: 'claude_code.active_time.total', temporality: 'delta', points: [point(NOW, 1.5, { type: 'user' })] },
      ]),
      NOW,
    );
    expect(readings.refused.size).toBe(0);
    expect(readings.readings.map((r) => [r.device, r.day, r.value, r.target])).toEqual([
      ['laptop', '2026-11-27', 120, { kind: 'tokens', model: MODEL, provider: 'anthropic', tokenKind: 'cacheRead' }],
      ['laptop', '2026-11-27', 0.25, { kind: 'cost', model: MODEL, provider: 'anthropic' }],
      ['laptop', '2026-11-27', 7, { kind: 'activity', metric: 'linesRemoved', key: '' }],
      ['laptop', '2026-11-27', 1, { kind: 'activity', metric: 'editsRejected', key: 'Edit|Rust' }],
      ['laptop', '2026-11-27', 1.5, { kind: 'activity', metric: 'activeTime', key: 'user' }],
    ]);
    // The day is the end's: a point from 23:59:30 to 00:00:30 belongs to the new day.
    expect(utcDayOfNanos(BigInt(justAfterMidnight) * 1_000_000n)).toBe('2026-11-27');
    expect(utcDayOfNanos(BigInt(justAfterMidnight - MINUTE) * 1_000_000n)).toBe('2026-11-26');
  });

  it('refuses points older than 48 hours and over-long models, per device, with reasons', () => {
    const old = NOW - 49 * 60 * MINUTE;
    const readings = pointsToReadings(
      points({ 'ccstats.device': 'laptop' }, [
        {
          name: 'claude_code.token.usage',
          temporality: 'delta',
          points: [point(old, 1, { type: 'input', model: MODEL }), point(NOW, 2, { type: 'input', model: 'm'.repeat(101) })],
        },
      ]),
      NOW,
    );
    expect(readings.readings).toEqual([]);
    expect(readings.refused.get('laptop')).toBe(2);
    expect(readings.reasons).toEqual([expect.stringContaining('48 hours'), expect.stringContaining('100 characters')]);
  });

  it('notes what each device says of itself, for its owner', () => {
    const readings = pointsToReadings(
      points({ 'host.name': 'box', 'service.version': '2.1.328' }, [
        { name: 'claude_code.session.count', temporality: 'delta', points: [point(NOW, 1, { 'user.email': 'a@example.com', 'user.id': 'u1' })] },
      ]),
      NOW,
    );
    expect(readings.devices.get('box')).toEqual({ serviceVersion: '2.1.328', identity: { 'user.email': 'a@example.com', 'user.id': 'u1' } });
  });
});

describe('events to readings', () => {
  const event = (name: TelemetryEvent['name'], attributes: TelemetryEvent['attributes']): TelemetryEvent => ({
    name,
    timeUnixNano: BigInt(NOW) * 1_000_000n,
    attributes,
    resource: { 'ccstats.device': 'laptop' },
    eventKey: `key-${JSON.stringify(attributes)}`,
  });

  it('counts API requests and errors per model at their place in the session, and nothing else', () => {
    const readings = eventsToReadings(
      [
        event('api_request', { model: MODEL, 'session.id': 's1', 'event.sequence': 5 }),
        event('api_error', { model: MODEL, 'session.id': 's1', 'event.sequence': 6 }),
        event('user_prompt', { prompt_length: 12, 'session.id': 's1', 'event.sequence': 7 }),
        event('api_request', { model: MODEL }),
      ],
      NOW,
    );
    expect(readings.uncounted).toBe(1);
    const [a, b, c] = readings.readings;
    expect([a.start, a.end, b.start, b.end]).toEqual([5n, 6n, 6n, 7n]);
    expect(a.series).toBe(b.series); // one stream per session
    expect([a.target, b.target]).toEqual([
      { kind: 'activity', metric: 'apiRequests', key: MODEL },
      { kind: 'activity', metric: 'apiErrors', key: MODEL },
    ]);
    // Without a sequence: a series of its own.
    expect([c.series, c.start, c.end]).toEqual([`key-${JSON.stringify({ model: MODEL })}`, 0n, 1n]);
  });
});
