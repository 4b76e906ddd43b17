import { useState } from 'preact/hooks';
import { api, ApiError, csvUrl, data, done, type Schemas, session } from '../api/client';
import { Chart, type ChartSpec } from '../charts/chart';
import { Heatmap } from '../charts/heatmap';
import { addDays, bucketsOf, fillSeries, formatCompact, formatCost, formatInt, streaks, utcToday } from '../format';
import { type Location, withQuery } from '../router';
import { Choices, Failure, Loaded, Page, Stat, TokenForm, useLoad } from '../ui';
import { PERIODS } from './leaderboard';
import { explicitRange, GRANULARITIES, granularityState, SPANS, spanOf } from './ranges';

/** At most this many models get their own band; the rest are summed as "other models". */
const MODEL_BANDS = 8;

type Usage = Schemas['UserUsage'];

export function tokenKindsChart(id: string, title: string, rows: Usage['rows'], buckets: string[], csv: string): ChartSpec {
  const [input, output, cacheCreation, cacheRead, cost] = fillSeries(rows, buckets, [
    (r) => r.inputTokens,
    (r) => r.outputTokens,
    (r) => r.cacheCreationTokens,
    (r) => r.cacheReadTokens,
    (r) => Number(r.totalCost),
  ]);
  return {
    id,
    title,
    buckets,
    stacked: true,
    csv,
    series: [
      { label: 'Input', values: input, kind: 'bar' },
      { label: 'Output', values: output, kind: 'bar' },
      { label: 'Cache creation', values: cacheCreation, kind: 'bar' },
      { label: 'Cache read', values: cacheRead, kind: 'bar' },
      { label: 'Cost', values: cost, kind: 'line', axis: 'right', format: formatCost },
    ],
    rightFormat: (v) => `$${formatCompact(v)}`,
  };
}

/** Tokens per model per bucket: the models with the most tokens, then the rest as one band. */
export function modelsChart(id: string, title: string, rows: Usage['rows'], buckets: string[], csv: string): ChartSpec {
  const totals = new Map<string, number>();
  for (const r of rows) for (const m of r.models ?? []) totals.set(m.model, (totals.get(m.model) ?? 0) + m.totalTokens);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([m]) => m);
  const shown = ranked.length > MODEL_BANDS ? ranked.slice(0, MODEL_BANDS - 1) : ranked;
  const rest = ranked.length > shown.length;
  const perModel = (model: string | null) => (r: Usage['rows'][number]) =>
    (r.models ?? []).filter((m) => (model === null ? !shown.includes(m.model) : m.model === model)).reduce((s, m) => s + m.totalTokens, 0);
  const fields = [...shown.map((m) => perModel(m)), ...(rest ? [perModel(null)] : [])];
  const values = fillSeries(rows, buckets, fields);
  return {
    id,
    title,
    buckets,
    stacked: true,
    csv,
    series: values.map((v, k) => ({ label: k < shown.length ? shown[k] : 'Other models', values: v, kind: 'area' as const })),
  };
}

function Totals({ profile }: { profile: Schemas['UserProfile'] }) {
  return (
    <div class="stats">
      <Stat label="Tokens" value={formatCompact(profile.totals.totalTokens)} title={formatInt(profile.totals.totalTokens)} />
      <Stat label="Cost" value={formatCost(profile.totals.totalCost)} />
      <Stat label="Active days" value={formatInt(profile.activeDays)} />
      <Stat label="First day" value={profile.firstDate ?? '–'} />
      <Stat label="Last day" value={profile.lastDate ?? '–'} />
      <Stat label="Last 30 days" value={formatCost(profile.last30Days.totalCost)} title={`${formatInt(profile.last30Days.totalTokens)} tokens`} />
    </div>
  );
}

function Ranks({ username }: { username: string }) {
  const load = useLoad(`ranks|${username}`, () =>
    data(api.GET('/api/v1/users/{username}/ranks', { params: { path: { username }, query: { metric: 'cost' } } })),
  );
  return (
    <section>
      <h2>Rank by cost</h2>
      <Loaded load={load}>
        {(r) => (
          <ul class="ranks" data-testid="ranks">
            {r.ranks.map((p) => (
              <li key={p.period} data-period={p.period}>
                <a href={`/leaderboard?period=${p.period}&metric=${r.metric}`}>{PERIODS.find(([v]) => v === p.period)?.[1] ?? p.period}</a>
                <strong>{p.rank === null ? '–' : `#${p.rank}`}</strong>
                <small>{p.rank === null ? 'no usage' : `of ${formatInt(p.total)} · ${formatCost(p.value)}`}</small>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </section>
  );
}

function Activity({ username }: { username: string }) {
  const to = utcToday();
  const from = addDays(to, -370);
  const load = useLoad(`year|${username}|${to}`, () =>
    data(api.GET('/api/v1/users/{username}/usage', { params: { path: { username }, query: { from, to, granularity: 'day', models: 'false' } } })),
  );
  return (
    <section>
      <h2>Active days</h2>
      <Loaded load={load}>
        {(usage) => {
          const days = new Map(usage.rows.map((r) => [r.date, { tokens: r.totalTokens, cost: r.totalCost }]));
          const streak = streaks(
            usage.rows.filter((r) => r.totalTokens > 0 || Number(r.totalCost) > 0).map((r) => r.date),
            to,
          );
          return (
            <>
              <Heatmap days={days} to={to} />
              <p class="streaks" data-testid="streaks">
                Current streak <strong data-value={streak.current}>{streak.current}</strong> {streak.current === 1 ? 'day' : 'days'} · longest{' '}
                <strong data-value={streak.longest}>{streak.longest}</strong> {streak.longest === 1 ? 'day' : 'days'} (last year)
              </p>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function Devices({ profile }: { profile: Schemas['UserProfile'] }) {
  if (profile.devices.length === 0) return null;
  return (
    <section>
      <h2>Devices</h2>
      <table class="compact">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col" class="num">
              Days
            </th>
            <th scope="col">Last upload</th>
          </tr>
        </thead>
        <tbody>
          {profile.devices.map((d) => (
            <tr key={d.device}>
              <td>{d.device}</td>
              <td class="num">{d.days}</td>
              <td>{d.lastUpload ? new Date(d.lastUpload).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The owner's own page: uploads and tokens (issue, revoke). Shown when the pasted token may list them. */
function OwnerPanel({ username }: { username: string }) {
  const [version, setVersion] = useState(0);
  const [issued, setIssued] = useState<Schemas['IssuedToken'] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // Without a token there is nothing to ask: the answer would be a 401.
  const hasToken = session.token !== null;
  const tokens = useLoad(`tokens|${username}|${version}|${hasToken}`, () =>
    hasToken ? data(api.GET('/api/v1/users/{username}/tokens', { params: { path: { username } } })) : Promise.reject(new ApiError(401, undefined)),
  );
  const uploads = useLoad(`uploads|${username}|${version}|${hasToken}`, () =>
    hasToken
      ? data(api.GET('/api/v1/users/{username}/uploads', { params: { path: { username }, query: { limit: 20, offset: 0 } } }))
      : Promise.reject(new ApiError(401, undefined)),
  );
  if (tokens.state === 'failed' && (tokens.error.status === 401 || tokens.error.status === 403)) {
    return (
      <details class="owner">
        <summary>Are you {username}? Manage your uploads and tokens</summary>
        <TokenForm reason={session.token ? 'The token in this tab is not one of this user’s.' : 'Paste one of your upload tokens.'} />
      </details>
    );
  }
  const issue = async () => {
    setProblem(null);
    try {
      setIssued(await data(api.POST('/api/v1/users/{username}/tokens', { params: { path: { username } }, body: { name: `web ${utcToday()}` } })));
      setVersion((v) => v + 1);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  const revoke = async (id: number) => {
    setProblem(null);
    try {
      await done(api.DELETE('/api/v1/users/{username}/tokens/{id}', { params: { path: { username, id } } }));
      setVersion((v) => v + 1);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section class="owner" data-testid="owner">
      <h2>Your uploads and tokens</h2>
      {problem && (
        <p class="failure" role="alert">
          {problem}
        </p>
      )}
      {issued && <NewToken token={issued.token} />}
      <Loaded load={tokens}>
        {(list) => (
          <table class="compact tokens">
            <thead>
              <tr>
                <th scope="col">Token</th>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {list.tokens.map((t) => (
                <tr key={t.id} data-token-id={t.id} data-revoked={t.revokedAt ? 'true' : 'false'}>
                  <td>
                    <code>{t.prefix}…</code>
                  </td>
                  <td>{t.name}</td>
                  <td>{t.createdAt.slice(0, 10)}</td>
                  <td>{t.lastUsedAt?.slice(0, 10) ?? '–'}</td>
                  <td>
                    {t.revokedAt ? (
                      `revoked ${t.revokedAt.slice(0, 10)}`
                    ) : (
                      <button type="button" onClick={() => void revoke(t.id)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <button type="button" onClick={() => void issue()}>
        Issue a new token
      </button>
      <h3>Recent uploads</h3>
      <Loaded load={uploads}>
        {(list) =>
          list.uploads.length === 0 ? (
            <p class="empty">No uploads yet.</p>
          ) : (
            <div class="scroll">
              <table class="compact uploads">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Device</th>
                    <th scope="col">Days</th>
                    <th scope="col" class="num">
                      New / changed / same
                    </th>
                    <th scope="col" class="num">
                      Cost
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.uploads.map((u) => (
                    <tr key={u.id}>
                      <td>{u.createdAt.replace('T', ' ').slice(0, 16)}</td>
                      <td>{u.device}</td>
                      <td>{u.from && u.to ? `${u.from} – ${u.to}` : '–'}</td>
                      <td class="num">
                        {u.inserted} / {u.updated} / {u.unchanged}
                      </td>
                      <td class="num">{formatCost(u.totals.totalCost)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </section>
  );
}

/** A token shown once, with a copy button and the warning that it will not be shown again. */
export function NewToken({ token }: { token: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="new-token" role="status">
      <p>
        <strong>Copy this token now.</strong> It is shown only this once; the server keeps only its hash.
      </p>
      <code data-testid="new-token">{token}</code>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(token).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/**
 * A profile's range: from/to in the URL, else `days` (30, 90 or 365, default 90) ending today, or
 * ending on the user's last day when that is older (a profile never opens on an empty window), or
 * `all`: first to last day.
 */
export function profileRange(where: Location, profile: Schemas['UserProfile'] | undefined): { span: string; from: string; to: string } {
  const explicit = explicitRange(where);
  if (explicit) return { span: '', ...explicit };
  const span = spanOf(where, '90');
  const today = utcToday();
  if (span === 'all' && profile?.firstDate && profile.lastDate) return { span, from: profile.firstDate, to: profile.lastDate };
  const days = span === 'all' ? 90 : Number(span);
  const last = profile?.lastDate ?? today;
  const to = last < addDays(today, -(days - 1)) ? last : today;
  return { span, from: addDays(to, -(days - 1)), to };
}

/**
 * The charts. They do not wait for the profile: until it arrives the range is the recent one, which
 * is right for anyone who used Claude Code lately, and only an older profile moves it (and refetches).
 */
function UsageCharts({ where, username, profile }: { where: Location; username: string; profile: Schemas['UserProfile'] | undefined }) {
  const range = profileRange(where, profile);
  const granularity = granularityState(where);
  const usageQuery = { from: range.from, to: range.to, granularity, models: 'true' } as const;
  const usage = useLoad(`usage|${username}|${JSON.stringify(usageQuery)}`, () =>
    data(api.GET('/api/v1/users/{username}/usage', { params: { path: { username }, query: usageQuery } })),
  );
  const path = `/api/v1/users/${encodeURIComponent(username)}/usage`;
  return (
    <>
      <div class="controls">
        <Choices
          label="Range"
          options={SPANS}
          current={range.span}
          href={(d) => withQuery(where, { days: d === '90' ? undefined : d, from: undefined, to: undefined })}
        />
        <Choices label="By" options={GRANULARITIES} current={granularity} href={(g) => withQuery(where, { granularity: g === 'day' ? undefined : g })} />
        <span class="range" data-testid="range">
          {range.from} to {range.to}
        </span>
      </div>
      <Loaded load={usage}>
        {(u) => {
          const buckets = bucketsOf(granularity, range.from, range.to);
          return (
            <>
              <Chart
                spec={tokenKindsChart(
                  'tokens-by-kind',
                  'Tokens by kind, and cost',
                  u.rows,
                  buckets,
                  csvUrl(path, { from: range.from, to: range.to, granularity }),
                )}
              />
              <Chart spec={modelsChart('tokens-by-model', 'Tokens by model', u.rows, buckets, csvUrl(path, usageQuery))} />
            </>
          );
        }}
      </Loaded>
    </>
  );
}

export function ProfileView({ where, username }: { where: Location; username: string }) {
  const profile = useLoad(`profile|${username}`, () => data(api.GET('/api/v1/users/{username}', { params: { path: { username } } })));
  if (profile.state === 'failed') {
    return (
      <Page title={username}>
        <h1>{username}</h1>
        <Failure error={profile.error} />
      </Page>
    );
  }
  return (
    <Page title={username}>
      <h1 class="profile-name">{username}</h1>
      <Loaded load={profile}>{(p) => <Totals profile={p} />}</Loaded>
      <UsageCharts where={where} username={username} profile={profile.state === 'ready' ? profile.value : undefined} />
      <Activity username={username} />
      <Ranks username={username} />
      <Loaded load={profile}>{(p) => <Devices profile={p} />}</Loaded>
      <OwnerPanel username={username} />
    </Page>
  );
}
