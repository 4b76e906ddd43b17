/**
 * The two shapes of OTLP data here: what a request holds once decoded (the `Wire*` types, the same for
 * protobuf and JSON bodies), and the service's own points and events that otlp-points.ts and
 * otlp-events.ts make of it. docs/otlp.md describes both.
 */

// ---------------------------------------------------------------------------------------------------
// Decoded requests: protobufjs's plain objects of the official messages (camelCase field names,
// 64-bit integers as decimal strings, enums as numbers, bytes as base64, absent fields left out).
// Only what the normalisers read is typed; everything else of a message is there, untyped.

export interface WireAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** int64 as a decimal string */
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: WireAnyValue[] };
  kvlistValue?: { values?: WireKeyValue[] };
  /** base64 */
  bytesValue?: string;
  stringValueStrindex?: number;
}

export interface WireKeyValue {
  key?: string;
  value?: WireAnyValue;
}

export interface WireResource {
  attributes?: WireKeyValue[];
}

export interface WireScope {
  name?: string;
  version?: string;
  attributes?: WireKeyValue[];
}

export interface WireNumberDataPoint {
  attributes?: WireKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  /** sfixed64 as a decimal string */
  asInt?: string;
  flags?: number;
}

export interface WireSum {
  dataPoints?: WireNumberDataPoint[];
  aggregationTemporality?: number;
  isMonotonic?: boolean;
}

/** Data points of the other kinds are only counted (Claude Code's metrics are all sums). */
interface WirePoints {
  dataPoints?: unknown[];
}

export interface WireMetric {
  name?: string;
  unit?: string;
  sum?: WireSum;
  gauge?: WirePoints;
  histogram?: WirePoints;
  exponentialHistogram?: WirePoints;
  summary?: WirePoints;
}

export interface WireScopeMetrics {
  scope?: WireScope;
  metrics?: WireMetric[];
}

export interface WireResourceMetrics {
  resource?: WireResource;
  scopeMetrics?: WireScopeMetrics[];
}

/** opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest */
export interface WireMetricsRequest {
  resourceMetrics?: WireResourceMetrics[];
}

export interface WireLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  body?: WireAnyValue;
  attributes?: WireKeyValue[];
  eventName?: string;
}

export interface WireScopeLogs {
  scope?: WireScope;
  logRecords?: WireLogRecord[];
}

export interface WireResourceLogs {
  resource?: WireResource;
  scopeLogs?: WireScopeLogs[];
}

/** opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest */
export interface WireLogsRequest {
  resourceLogs?: WireResourceLogs[];
}

// ---------------------------------------------------------------------------------------------------
// The service's own types.

/** Claude Code's metrics (its monitoring documentation); every other metric is ignored. */
export const CLAUDE_CODE_METRICS = [
  'claude_code.session.count',
  'claude_code.token.usage',
  'claude_code.cost.usage',
  'claude_code.lines_of_code.count',
  'claude_code.commit.count',
  'claude_code.pull_request.count',
  'claude_code.code_edit_tool.decision',
  'claude_code.active_time.total',
] as const;
export type ClaudeCodeMetric = (typeof CLAUDE_CODE_METRICS)[number];

/** The events the service counts; Claude Code sends more (assistant_response, plugin_loaded, …), which are ignored. */
export const CLAUDE_CODE_EVENTS = ['api_request', 'api_error', 'tool_result', 'tool_decision', 'user_prompt'] as const;
export type ClaudeCodeEvent = (typeof CLAUDE_CODE_EVENTS)[number];

export type Temporality = 'delta' | 'cumulative';

/** One data point of a Claude Code metric, checked (see docs/otlp.md, "Points"). */
export interface TelemetryPoint {
  metric: ClaudeCodeMetric;
  temporality: Temporality;
  /** Unix nanoseconds; a delta point covers (start, end], a cumulative one counts from start. */
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  /** Finite, ≥ 0; a whole number for every metric but cost.usage and active_time.total. */
  value: number;
  /** The point attributes the service keeps (type, model, session.id, …), as strings. */
  attributes: Record<string, string>;
  /** The resource attributes the service keeps (service.*, os.*, host.*, ccstats.device). */
  resource: Record<string, string>;
  /** The instrumentation scope's name (Claude Code: com.anthropic.claude_code). */
  scope: string;
  /**
   * The series the point belongs to: a hash over every resource attribute, the scope, the metric,
   * the temporality and every point attribute (ignored ones included, so two series never merge).
   * Cumulative→delta conversion and retry dedupe (series + start + end) key on it.
   */
  seriesKey: string;
}

/** One Claude Code event from the logs signal, with only the attributes the service keeps. */
export interface TelemetryEvent {
  name: ClaudeCodeEvent;
  /** Unix nanoseconds: the record's time, else its observed time. */
  timeUnixNano: bigint;
  /** Kept attributes: counts and amounts as numbers, the rest as strings; never prompt text or tool input. */
  attributes: Record<string, string | number>;
  resource: Record<string, string>;
  /**
   * A hash over the kept resource attributes, the event name, its time and its kept attributes
   * (session.id and event.sequence among them): an exporter's retry of the same record has the same key.
   */
  eventKey: string;
}

/** What a request gave: the items kept, and how many were refused and why (for `partial_success`). */
export interface Decoded<T> {
  items: T[];
  /** Points or log records of Claude Code's metrics and events that were refused, or past a bound. */
  rejected: number;
  /** Points and records the service does not use (other metrics and events, no-value points): not errors. */
  ignored: number;
  /** The first few distinct reasons for refusals, safe to send back as `partial_success.error_message`. */
  reasons: string[];
}
