import type request from 'supertest';
import { registerUser, uniqueName } from '../helpers/api.js';

type Http = ReturnType<typeof request>;

/** A 32-character admin token for the teams suites. */
export const ADMIN = 'teams-admin-token-0123456789abcdefghij';

export type Who = string | undefined;

const auth = <T extends { set(name: string, value: string): T }>(req: T, token: Who): T => (token ? req.set('Authorization', `Bearer ${token}`) : req);

/** Requests as a given token (undefined: anonymous). */
export function client(http: Http) {
  return {
    get: (path: string, token: Who) => auth(http.get(path), token),
    del: (path: string, token: Who) => auth(http.delete(path), token),
    post: (path: string, token: Who, body?: object) => auth(http.post(path), token).send(body),
    patch: (path: string, token: Who, body: object) => auth(http.patch(path), token).send(body),
  };
}

export async function createTeam(http: Http, token: string, body: { slug?: string; name?: string; visibility?: 'public' | 'private' } = {}) {
  const slug = body.slug ?? uniqueName('team');
  const res = await client(http).post('/api/v1/teams', token, { slug, name: body.name ?? `Team ${slug}`, visibility: body.visibility ?? 'public' });
  if (res.status !== 201) throw new Error(`create team ${slug}: ${res.status} ${res.text}`);
  return slug;
}

export async function invite(http: Http, slug: string, token: string, body: object = {}): Promise<{ code: string; id: number }> {
  const res = await client(http).post(`/api/v1/teams/${slug}/invites`, token, body);
  if (res.status !== 201) throw new Error(`invite to ${slug}: ${res.status} ${res.text}`);
  return { code: res.body.code as string, id: res.body.id as number };
}

/** A team with an owner, an admin and a member (who joined in that order), and an outsider. */
export async function populatedTeam(http: Http, visibility: 'public' | 'private') {
  const [owner, admin, member, outsider] = await Promise.all([registerUser(http), registerUser(http), registerUser(http), registerUser(http)]);
  const slug = await createTeam(http, owner.token, { visibility });
  const { code } = await invite(http, slug, owner.token);
  const c = client(http);
  for (const who of [admin, member]) {
    const res = await c.post(`/api/v1/invites/${code}/accept`, who.token);
    if (res.status !== 201) throw new Error(`accept: ${res.status} ${res.text}`);
  }
  const res = await c.patch(`/api/v1/teams/${slug}/members/${admin.username}`, owner.token, { role: 'admin' });
  if (res.status !== 200) throw new Error(`promote: ${res.status} ${res.text}`);
  return { slug, owner, admin, member, outsider, code };
}

export async function memberRoles(http: Http, slug: string): Promise<Record<string, string>> {
  const res = await client(http).get(`/api/v1/teams/${slug}/members?limit=500`, ADMIN);
  if (res.status !== 200) throw new Error(`members of ${slug}: ${res.status} ${res.text}`);
  return Object.fromEntries((res.body.members as Array<{ username: string; role: string }>).map((m) => [m.username, m.role]));
}
