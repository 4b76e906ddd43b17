import { createHash } from 'node:crypto';
import { isPrintable } from '../../common/text.js';
import { type OtlpLimits } from './otlp-limits.js';
import { type Decoded, type WireAnyValue, type WireKeyValue, type WireResource, type WireScope } from './otlp.types.js';

/**
 * What points and events share: reading attribute lists under the bounds, keeping the few attributes
 * the service uses, canonical hashes for series and dedupe keys, and the tally of refusals.
 */

/** Thrown inside one item's normalisation: the item is refused with this reason, the request goes on. */
export class ItemRefused extends Error {}

export function refuse(reason: string): never {
  throw new ItemRefused(reason);
}

/** The resource attributes kept on points and events; every other one only enters their hashes. */
export const RESOURCE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'service.name',
  'service.version',
  'os.type',
  'os.version',
  'host.arch',
  'host.name',
  // The device a ccusage upload would name (docs/otlp.md): OTEL_RESOURCE_ATTRIBUTES=ccstats.device=laptop
  'ccstats.device',
]);

/** Identity as Claude Code reports it: kept to show its owner, never used to decide who sent a batch. */
export const IDENTITY_ATTRIBUTES = ['user.id', 'user.account_uuid', 'user.email', 'organization.id'] as const;

/** An attribute list checked for count, key length and repeated keys, by key. */
export function attributeMap(list: WireKeyValue[] | undefined, limits: OtlpLimits, of: string): Map<string, WireAnyValue> {
  const map = new Map<string, WireAnyValue>();
  if (!list) return map;
  if (list.length > limits.maxAttributes) refuse(`${of} has more than ${limits.maxAttributes} attributes`);
  for (const { key = '', value = {} } of list) {
    if (key.length > limits.maxAttributeKeyLength) refuse(`${of} has an attribute key longer than ${limits.maxAttributeKeyLength} characters`);
    if (map.has(key)) refuse(`${of} repeats an attribute key`);
    map.set(key, value);
  }
  return map;
}

/** A scalar value as text (booleans and numbers too); undefined when absent or empty; arrays, maps and bytes refuse. */
export function textOf(value: WireAnyValue | undefined, key: string, limits: OtlpLimits): string | undefined {
  const text = scalarText(value, key);
  if (text === undefined || text === '') return undefined;
  if (text.length > limits.maxAttributeValueLength) refuse(`attribute ${key} is longer than ${limits.maxAttributeValueLength} characters`);
  if (!isPrintable(text)) refuse(`attribute ${key} is not printable text`);
  return text;
}

/**
 * Free text (an API error's message): not refused for its length or its line breaks, but cleaned
 * (anything unprintable becomes a space) and cut to the bound, marked with "…".
 */
export function freeTextOf(value: WireAnyValue | undefined, key: string, limits: OtlpLimits): string | undefined {
  const text = scalarText(value, key);
  if (text === undefined) return undefined;
  const max = limits.maxAttributeValueLength;
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  const clean = Array.from(cut, (ch) => (isPrintable(ch) ? ch : ' '))
    .join('')
    .trim();
  return clean === '' ? undefined : clean;
}

function scalarText(value: WireAnyValue | undefined, key: string): string | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.intValue !== undefined) return value.intValue;
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.arrayValue || value.kvlistValue || value.bytesValue !== undefined || value.stringValueStrindex !== undefined)
    refuse(`attribute ${key} must be a string`);
  return undefined;
}

const DECIMAL = /^\d{1,20}(?:\.\d{1,20})?$/;

/**
 * A number ≥ 0 from an int, a double or a decimal string (Claude Code sends `prompt_length` and
 * `duration_ms` as strings); `whole` for counts. Undefined when absent.
 */
export function numberOf(value: WireAnyValue | undefined, key: string, whole: boolean): number | undefined {
  if (!value || Object.keys(value).length === 0) return undefined;
  let n: number;
  if (value.intValue !== undefined) n = Number(value.intValue);
  else if (value.doubleValue !== undefined) n = value.doubleValue;
  else if (value.stringValue !== undefined && DECIMAL.test(value.stringValue)) n = Number(value.stringValue);
  else return refuse(`attribute ${key} must be a number`);
  if (!Number.isFinite(n) || n < 0) refuse(`attribute ${key} must be a finite number ≥ 0`);
  if (whole && !Number.isSafeInteger(n)) refuse(`attribute ${key} must be a whole number`);
  return n === 0 ? 0 : n; // -0 → 0
}

/**
 * A value in a form that is the same whichever encoding carried it, for hashing: typed (so the
 * string "1" and the int 1 differ), maps by key order.
 */
export function canonicalValue(value: WireAnyValue | undefined): unknown {
  if (!value) return null;
  if (value.stringValue !== undefined) return ['s', value.stringValue];
  if (value.boolValue !== undefined) return ['b', value.boolValue];
  if (value.intValue !== undefined) return ['i', value.intValue];
  if (value.doubleValue !== undefined) return ['d', Object.is(value.doubleValue, -0) ? '-0' : String(value.doubleValue)];
  if (value.bytesValue !== undefined) return ['y', value.bytesValue];
  if (value.arrayValue) return ['a', (value.arrayValue.values ?? []).map(canonicalValue)];
  if (value.kvlistValue) return ['k', canonicalAttributes(value.kvlistValue.values)];
  if (value.stringValueStrindex !== undefined) return ['x', value.stringValueStrindex];
  return null;
}

/** Every attribute of a list, sorted by key, in canonical form. */
export function canonicalAttributes(list: WireKeyValue[] | undefined): Array<[string, unknown]> {
  return (list ?? []).map((kv): [string, unknown] => [kv.key ?? '', canonicalValue(kv.value)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** SHA-256 of the parts' JSON, base64url (43 characters). */
export function hashOf(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

/** A resource as points and events carry it: kept attributes, and a hash over all of them. */
export interface ResourceInfo {
  kept: Record<string, string>;
  hash: string;
}

export function readResource(resource: WireResource | undefined, limits: OtlpLimits): ResourceInfo {
  const attributes = attributeMap(resource?.attributes, limits, 'a resource');
  const kept: Record<string, string> = {};
  for (const [key, value] of attributes) {
    if (!RESOURCE_ATTRIBUTES.has(key)) continue;
    const text = textOf(value, key, limits);
    if (text !== undefined) kept[key] = text;
  }
  // Shared by every item of the resource: frozen, so no consumer can change another item's copy.
  return { kept: Object.freeze(kept), hash: hashOf('resource', canonicalAttributes(resource?.attributes)) };
}

export interface ScopeInfo {
  name: string;
  hash: string;
}

export function readScope(scope: WireScope | undefined, limits: OtlpLimits): ScopeInfo {
  attributeMap(scope?.attributes, limits, 'a scope');
  const name = scope?.name ?? '';
  if (name.length > limits.maxAttributeValueLength) refuse(`a scope name is longer than ${limits.maxAttributeValueLength} characters`);
  if (name !== '' && !isPrintable(name)) refuse('a scope name is not printable text');
  return { name, hash: hashOf('scope', name, scope?.version ?? '', canonicalAttributes(scope?.attributes)) };
}

/** Counts kept, refused and ignored items and the first distinct reasons, into a Decoded<T>. */
export class Tally<T> {
  readonly items: T[] = [];
  rejected = 0;
  ignored = 0;
  private readonly reasons: string[] = [];

  constructor(private readonly maxReasons: number) {}

  refuse(count: number, reason: string): void {
    if (count <= 0) return;
    this.rejected += count;
    if (this.reasons.length < this.maxReasons && !this.reasons.includes(reason)) this.reasons.push(reason);
  }

  result(): Decoded<T> {
    return { items: this.items, rejected: this.rejected, ignored: this.ignored, reasons: [...this.reasons] };
  }
}

/** A time in Unix nanoseconds from its decimal string; 0n (outside every window) when absent or not one. */
export function nanosOf(text: string | undefined): bigint {
  return text !== undefined && /^\d{1,20}$/.test(text) ? BigInt(text) : 0n;
}

const NANOS_PER_MS = 1_000_000n;

/** The window a point's or event's time must fall in: [notBefore, now + maxFuture]. */
export interface TimeWindow {
  from: bigint;
  to: bigint;
}

export function timeWindow(nowMs: number, limits: OtlpLimits): TimeWindow {
  return { from: BigInt(limits.notBeforeMs) * NANOS_PER_MS, to: BigInt(Math.trunc(nowMs) + limits.maxFutureMs) * NANOS_PER_MS };
}

export function inWindow(nanos: bigint, window: TimeWindow): boolean {
  return nanos >= window.from && nanos <= window.to;
}
