import type request from 'supertest';
import { registerUser, upload } from '../helpers/api.js';
import { client, createTeam, invite } from '../teams/helpers.js';

type Http = ReturnType<typeof request>;

/** One day of one model, as a test decides it (cost in ten-thousandths of a dollar). */
export interface Day {
  date: string;
  model: string;
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
  cost: number;
}

export const total = (d: Day) => d.input + d.output + d.cacheWrite + d.cacheRead;
export const money = (tenThousandths: number) => `${Math.floor(tenThousandths / 10_000)}.${String(tenThousandths % 10_000).padStart(4, '0')}`;

/** A ccusage daily report of the days (one model a day). */
export const report = (days: Day[]) => ({
  daily: days.map((d) => ({
    date: d.date,
    inputTokens: d.input,
    outputTokens: d.output,
    cacheCreationTokens: d.cacheWrite,
    cacheReadTokens: d.cacheRead,
    totalTokens: total(d),
    totalCost: d.cost / 10_000,
    modelsUsed: [d.model],
    modelBreakdowns: [
      {
        modelName: d.model,
        inputTokens: d.input,
        outputTokens: d.output,
        cacheCreationTokens: d.cacheWrite,
        cacheReadTokens: d.cacheRead,
        cost: d.cost / 10_000,
      },
    ],
  })),
  totals: {},
});

export function utcDay(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Days whose every number is distinctive (built from `seed`, 7 digits and more, never a round
 * number), so that a test can look for them in any answer and find them only where they belong.
 */
export function distinctiveDays(seed: number, offsets: number[], model: string): Day[] {
  return offsets.map((offset, i) => ({
    date: utcDay(offset),
    model,
    input: 1_000_003 + seed * 10_007 + i * 31,
    output: 2_000_017 + seed * 10_009 + i * 37,
    cacheWrite: 3_000_043 + seed * 10_037 + i * 41,
    cacheRead: 4_000_037 + seed * 10_039 + i * 43,
    cost: 1_234_567 + seed * 10_061 + i * 47,
  }));
}

export interface Person {
  username: string;
  token: string;
  days: Day[];
}

/** Registers a user, uploads their days and sets their privacy (with their own token). */
export async function person(
  http: Http,
  username: string,
  days: Day[],
  privacy: { visibility?: 'public' | 'teams' | 'private'; showCost?: boolean; displayName?: string | null } = {},
): Promise<Person> {
  const { token } = await registerUser(http, username);
  if (days.length > 0) await upload(http, token, report(days)).expect(200);
  if (Object.keys(privacy).length > 0) {
    const res = await client(http).patch(`/api/v1/users/${username}/privacy`, token, privacy);
    if (res.status !== 200) throw new Error(`privacy of ${username}: ${res.status} ${res.text}`);
  }
  return { username, token, days };
}

/** A public team owned by the first person, the others joined by invite. */
export async function team(http: Http, people: Person[], visibility: 'public' | 'private' = 'public'): Promise<string> {
  const [owner, ...rest] = people;
  const slug = await createTeam(http, owner.token, { visibility });
  const { code } = await invite(http, slug, owner.token);
  for (const p of rest) {
    const res = await client(http).post(`/api/v1/invites/${code}/accept`, p.token);
    if (res.status !== 201) throw new Error(`join ${slug}: ${res.status} ${res.text}`);
  }
  return slug;
}

/** A person's sums over the days in [from, to] (all days without a range). */
export function sums(p: Person, from = '0000-01-01', to = '9999-12-31') {
  const days = p.days.filter((d) => d.date >= from && d.date <= to);
  return {
    inputTokens: days.reduce((s, d) => s + d.input, 0),
    outputTokens: days.reduce((s, d) => s + d.output, 0),
    cacheCreationTokens: days.reduce((s, d) => s + d.cacheWrite, 0),
    cacheReadTokens: days.reduce((s, d) => s + d.cacheRead, 0),
    totalTokens: days.reduce((s, d) => s + total(d), 0),
    cost: days.reduce((s, d) => s + d.cost, 0),
    activeDays: new Set(days.map((d) => d.date)).size,
  };
}
