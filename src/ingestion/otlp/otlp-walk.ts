import { ItemRefused, readResource, type ResourceInfo, Tally, timeWindow, type TimeWindow } from './otlp-attributes.js';
import { DEFAULT_OTLP_LIMITS, type NormaliseOptions, type OtlpLimits } from './otlp-limits.js';
import type { Decoded, WireResource } from './otlp.types.js';

/** One normalisation's state: what was kept and refused, the bounds, the time window, items looked at. */
export interface Run<T> {
  tally: Tally<T>;
  limits: OtlpLimits;
  window: TimeWindow;
  /** Items looked at so far, against the signal's own bound (maxPoints, maxLogRecords). */
  examined: number;
}

/**
 * How a signal's request nests, which metrics and logs share: resources, each with its resource and
 * scopes; the items a set of scopes holds (what is refused when they are refused whole); and what
 * to do with one scope.
 */
export interface Nesting<Resource, Scope, T> {
  resourceOf(resource: Resource): WireResource | undefined;
  scopesOf(resource: Resource): readonly Scope[] | undefined;
  itemsIn(scopes: readonly Scope[]): number;
  visitScope(scope: Scope, resource: ResourceInfo, run: Run<T>): void;
  /** The reason given when something unexpected is refused ("a point could not be read"). */
  unreadable: string;
}

export function reasonOf(error: unknown, unreadable: string): string {
  return error instanceof ItemRefused ? error.message : unreadable;
}

/**
 * Walks a request's resources and scopes within maxResources and maxScopesPerResource, refusing
 * whatever lies beyond them (counted, with a reason) and a resource whose attributes cannot be read.
 */
export function walkResources<Resource, Scope, T>(
  resources: readonly Resource[] | undefined,
  nesting: Nesting<Resource, Scope, T>,
  options: NormaliseOptions,
): Decoded<T> {
  const limits = options.limits ?? DEFAULT_OTLP_LIMITS;
  const run: Run<T> = { tally: new Tally<T>(limits.maxReasons), limits, window: timeWindow(options.now, limits), examined: 0 };
  const list = resources ?? [];
  for (let r = 0; r < list.length; r++) {
    if (r >= limits.maxResources) {
      for (let rest = r; rest < list.length; rest++)
        run.tally.refuse(nesting.itemsIn(nesting.scopesOf(list[rest]) ?? []), `more than ${limits.maxResources} resources in one request`);
      break;
    }
    walkResource(list[r], nesting, run);
  }
  return run.tally.result();
}

function walkResource<Resource, Scope, T>(item: Resource, nesting: Nesting<Resource, Scope, T>, run: Run<T>): void {
  const { limits, tally } = run;
  const scopes = nesting.scopesOf(item) ?? [];
  let resource: ResourceInfo;
  try {
    resource = readResource(nesting.resourceOf(item), limits);
  } catch (error) {
    tally.refuse(nesting.itemsIn(scopes), reasonOf(error, nesting.unreadable));
    return;
  }
  for (let s = 0; s < scopes.length; s++) {
    if (s >= limits.maxScopesPerResource) {
      tally.refuse(nesting.itemsIn(scopes.slice(s)), `more than ${limits.maxScopesPerResource} scopes in one resource`);
      break;
    }
    nesting.visitScope(scopes[s], resource, run);
  }
}
