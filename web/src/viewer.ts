import { api, data } from './api/client';

/**
 * Whose the token in the tab is. The dashboard keeps only the token (a pasted one comes without a
 * name), and a member needs their own name to leave a team (DELETE …/members/<username>). The API
 * has no "who am I" route; GET /telemetry/status answers the token's own user by name (a user token
 * reads only its own), so it serves as one. Each token is asked once per tab: a token's user never
 * changes, and a revoked token fails every other request too.
 */
const names = new Map<string, Promise<string>>();

/** The user a token belongs to. */
export function viewerName(token: string): Promise<string> {
  let name = names.get(token);
  if (!name) {
    name = data(api.GET('/api/v1/telemetry/status', { params: { query: {} }, headers: { Authorization: `Bearer ${token}` } })).then((s) => s.username);
    names.set(token, name);
    // A failure (a network error, a revoked token) is not remembered: the next page asks again.
    name.catch(() => names.delete(token));
  }
  return name;
}

/** A token whose user is known already (just registered): no need to ask. */
export function rememberViewer(token: string, username: string): void {
  names.set(token, Promise.resolve(username));
}
