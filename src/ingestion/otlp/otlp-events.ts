import {
  attributeMap,
  freeTextOf,
  hashOf,
  IDENTITY_ATTRIBUTES,
  inWindow,
  nanosOf,
  numberOf,
  readScope,
  refuse,
  textOf,
  type ResourceInfo,
  type ScopeInfo,
} from './otlp-attributes.js';
import { type NormaliseOptions, type OtlpLimits } from './otlp-limits.js';
import { reasonOf as walkReason, type Run as WalkRun, walkResources } from './otlp-walk.js';
import {
  CLAUDE_CODE_EVENTS,
  type ClaudeCodeEvent,
  type Decoded,
  type TelemetryEvent,
  type WireAnyValue,
  type WireLogRecord,
  type WireLogsRequest,
  type WireResourceLogs,
  type WireScopeLogs,
} from './otlp.types.js';

/**
 * A decoded ExportLogsServiceRequest → Claude Code's events (api_request, api_error, tool_result,
 * tool_decision, user_prompt), each with only the attributes listed below: prompt text, tool input and
 * parameters, responses and the record's body are never copied, whatever was sent. Other records are
 * ignored; a bad one is refused (counted, with a reason); the work stops at the bounds. Never throws.
 * docs/otlp.md, "Events".
 */

const EVENTS: ReadonlySet<string> = new Set(CLAUDE_CODE_EVENTS);

/** How a kept attribute is read: text (refused when too long or unprintable), cleaned free text, a count, an amount. */
type Kind = 'text' | 'free-text' | 'count' | 'amount';

interface AttributeSpec {
  kind: Kind;
  required?: true;
}

/** On every event: whose session it was, the event's place in it (with session.id, a retry's dedupe key). */
const COMMON: Record<string, AttributeSpec> = {
  'session.id': { kind: 'text' },
  'event.sequence': { kind: 'count' },
  'terminal.type': { kind: 'text' },
  ...Object.fromEntries(IDENTITY_ATTRIBUTES.map((key) => [key, { kind: 'text' }])),
};

/** The allow-list per event. Anything not named here is dropped; there is no deny-list to forget a key in. */
const EVENT_ATTRIBUTES: Record<ClaudeCodeEvent, Record<string, AttributeSpec>> = {
  api_request: {
    model: { kind: 'text', required: true },
    input_tokens: { kind: 'count' },
    output_tokens: { kind: 'count' },
    cache_read_tokens: { kind: 'count' },
    cache_creation_tokens: { kind: 'count' },
    cost_usd: { kind: 'amount' },
    duration_ms: { kind: 'amount' },
    request_id: { kind: 'text' },
    query_source: { kind: 'text' },
  },
  api_error: {
    model: { kind: 'text' },
    error: { kind: 'free-text' },
    status_code: { kind: 'text' },
    duration_ms: { kind: 'amount' },
    attempt: { kind: 'count' },
    request_id: { kind: 'text' },
  },
  tool_result: {
    tool_name: { kind: 'text', required: true },
    success: { kind: 'text' },
    duration_ms: { kind: 'amount' },
    error: { kind: 'free-text' },
    decision: { kind: 'text' },
    source: { kind: 'text' },
  },
  tool_decision: {
    tool_name: { kind: 'text', required: true },
    decision: { kind: 'text', required: true },
    source: { kind: 'text' },
  },
  user_prompt: {
    prompt_length: { kind: 'count' },
  },
};

const PREFIX = 'claude_code.';

export function logsToEvents(request: WireLogsRequest, options: NormaliseOptions): Decoded<TelemetryEvent> {
  return walkResources(
    request.resourceLogs,
    {
      resourceOf: (r: WireResourceLogs) => r.resource,
      scopesOf: (r: WireResourceLogs) => r.scopeLogs,
      itemsIn: recordsIn,
      visitScope: scopeEvents,
      unreadable: UNREADABLE,
    },
    options,
  );
}

/** Every log record looked at is counted against maxLogRecords: telling an event from other records needs a look. */
type Run = WalkRun<TelemetryEvent>;

const UNREADABLE = 'a log record could not be read';

function scopeEvents(scopeLogs: WireScopeLogs, resource: ResourceInfo, run: Run): void {
  const { limits, tally } = run;
  const records = scopeLogs.logRecords ?? [];
  let scope: ScopeInfo;
  try {
    scope = readScope(scopeLogs.scope, limits);
  } catch (error) {
    tally.refuse(records.length, reasonOf(error));
    return;
  }
  for (let i = 0; i < records.length; i++) {
    if (run.examined >= limits.maxLogRecords) return tally.refuse(records.length - i, `more than ${limits.maxLogRecords} log records in one request`);
    run.examined++;
    try {
      const event = eventOf(records[i], resource, scope, run);
      if (event) tally.items.push(event);
      else tally.ignored++;
    } catch (error) {
      tally.refuse(1, reasonOf(error));
    }
  }
}

/** The event a record is, or undefined for records the service does not use. */
function eventOf(record: WireLogRecord, resource: ResourceInfo, scope: ScopeInfo, run: Run): TelemetryEvent | undefined {
  const { limits, window } = run;
  const all = attributeMap(record.attributes, limits, 'a log record');
  const name = eventName(record, all.get('event.name'));
  if (name === undefined) return undefined;

  const timeUnixNano = nanosOf(record.timeUnixNano) || nanosOf(record.observedTimeUnixNano);
  if (!inWindow(timeUnixNano, window)) refuse(`${PREFIX}${name}: the record's time is missing, before 2000 or too far ahead of the receiver's clock`);

  const attributes: Record<string, string | number> = {};
  for (const [key, spec] of Object.entries({ ...COMMON, ...EVENT_ATTRIBUTES[name] })) {
    const value = read(all.get(key), key, spec.kind, limits);
    if (value !== undefined) attributes[key] = value;
    else if (spec.required) refuse(`${PREFIX}${name}: attribute ${key} is missing`);
  }
  const kept = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1));
  return { name, timeUnixNano, attributes, resource: resource.kept, eventKey: hashOf('event', resource.hash, scope.hash, name, String(timeUnixNano), kept) };
}

/**
 * The record's event: the LogRecord's own event_name field, else its `event.name` attribute (what
 * Claude Code 2.1 sets), else a body `claude_code.<name>`; with or without the `claude_code.` prefix.
 * Undefined unless it is one of CLAUDE_CODE_EVENTS.
 */
function eventName(record: WireLogRecord, attribute: WireAnyValue | undefined): ClaudeCodeEvent | undefined {
  const candidates = [record.eventName, attribute?.stringValue, record.body?.stringValue];
  const found = candidates.find((c) => c !== undefined && c !== '');
  if (found === undefined) return undefined;
  const name = found.startsWith(PREFIX) ? found.slice(PREFIX.length) : found;
  return EVENTS.has(name) ? (name as ClaudeCodeEvent) : undefined;
}

function read(value: WireAnyValue | undefined, key: string, kind: Kind, limits: OtlpLimits): string | number | undefined {
  switch (kind) {
    case 'text':
      return textOf(value, key, limits);
    case 'free-text':
      return freeTextOf(value, key, limits);
    case 'count':
      return numberOf(value, key, true);
    case 'amount':
      return numberOf(value, key, false);
  }
}

function reasonOf(error: unknown): string {
  return walkReason(error, UNREADABLE);
}

function recordsIn(scopes: readonly WireScopeLogs[]): number {
  let n = 0;
  for (const scope of scopes) n += scope.logRecords?.length ?? 0;
  return n;
}
