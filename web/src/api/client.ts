import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

/** The API's component schemas, generated from openapi.json (npm run build regenerates them). */
export type Schemas = components['schemas'];

const TOKEN_KEY = 'ccstats.token';

/**
 * The token a visitor pasted: kept in this tab's session storage only, sent as a bearer token to
 * this origin, never written anywhere else.
 */
export const session = {
  get token(): string | null {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value.trim());
    else sessionStorage.removeItem(TOKEN_KEY);
    for (const listener of listeners) listener();
  },
};

const listeners = new Set<() => void>();

/** Called whenever the token changes (views reload what they show). */
export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const bearer: Middleware = {
  onRequest({ request }) {
    const token = session.token;
    // A call may name its own token (the one just issued on Get started, not kept in the tab).
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: typeof location === 'undefined' ? '' : location.origin });
api.use(bearer);

/** A problem body (RFC 9457) answered by the API, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    // `reason`: why an invite link is gone (410: expired, revoked, used-up).
    readonly problem: { title?: string; detail?: string; reason?: string } | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? (status === 0 ? 'The server did not answer.' : `HTTP ${status}`));
  }
}

/** The data of an openapi-fetch answer, or an ApiError. */
export async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch {
    throw new ApiError(0, undefined);
  }
  if (!answer.response.ok || answer.data === undefined) {
    throw new ApiError(answer.response.status, answer.error as ApiError['problem']);
  }
  return answer.data;
}

/** For answers without a body (204). */
export async function done(call: Promise<{ error?: unknown; response: Response }>): Promise<void> {
  const answer = await call.catch(() => undefined);
  if (!answer) throw new ApiError(0, undefined);
  if (!answer.response.ok) throw new ApiError(answer.response.status, answer.error as ApiError['problem']);
}

/** The same query as CSV: the link under each chart and table. */
export function csvUrl(path: string, query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  params.set('format', 'csv');
  return `${path}?${params}`;
}
