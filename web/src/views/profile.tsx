import { useRef, useState } from 'preact/hooks';
import { api, ApiError, csvUrl, data, done, type Schemas, session } from '../api/client';
import { Chart, type ChartSpec } from '../charts/chart';
import { Heatmap } from '../charts/heatmap';
import {
  addDays,
  bucketsOf,
  fillSeries,
  formatCompact,
  formatCost,
  formatDuration,
  formatInt,
  formatRate,
  type Granularity,
  HIDDEN_COST,
  streaks,
  utcToday,
} from '../format';
import { type Location, withQuery } from '../router';
import { Choices, CopyButton, Failure, Loaded, Money, Page, Stat, TokenForm, useLoad } from '../ui';
import { tokenKindsChart } from './kinds-chart';
import { METRICS, PERIODS } from './leaderboard';
import { PrivacySettings } from './privacy';
import { Projects } from './projects';
import { explicitRange, GRANULARITIES, granularityState, SPANS, spanOf } from './ranges';

/** At most this many models get their own band; the rest are summed as "other models". */
const MODEL_BANDS = 8;

type Usage = Schemas['UserUsage'];
type UserActivity = Schemas['UserActivity'];

// The models page draws a model's tokens the same way.
export { tokenKindsChart };

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

/** Lines added and removed (stacked) and commits and pull requests (right axis) per bucket. */
export function activityChart(id: string, title: string, rows: UserActivity['rows'], buckets: string[]): ChartSpec {
  const [added, removed, commits, pullRequests] = fillSeries(rows, buckets, [
    (r) => r.linesAdded,
    (r) => r.linesRemoved,
    (r) => r.commits,
    (r) => r.pullRequests,
  ]);
  return {
    id,
    title,
    buckets,
    stacked: true,
    integers: true,
    series: [
      { label: 'Lines added', values: added, kind: 'bar', format: formatInt },
      { label: 'Lines removed', values: removed, kind: 'bar', format: formatInt },
      { label: 'Commits', values: commits, kind: 'line', axis: 'right', format: formatInt },
      { label: 'Pull requests', values: pullRequests, kind: 'line', axis: 'right', format: formatInt },
    ],
    // Counts: a fractional tick (0.5 commits) is left blank.
    rightFormat: (v) => (Number.isInteger(v) ? formatCompact(v) : ''),
  };
}

const ACTIVITY_COUNTS = [
  'sessions',
  'linesAdded',
  'linesRemoved',
  'commits',
  'pullRequests',
  'editsAccepted',
  'editsRejected',
  'apiRequests',
  'apiErrors',
] as const;

/** True when Claude Code's telemetry reported anything in the range. */
export function hasActivity(totals: UserActivity['totals']): boolean {
  return ACTIVITY_COUNTS.some((k) => totals[k] > 0) || totals.activeTimeUser > 0 || totals.activeTimeCli > 0;
}

/** What Claude Code's own telemetry reported over the profile's range: totals, a chart, edit decisions, API requests per model. */
function TelemetryActivity({ username, from, to, granularity }: { username: string; from: string; to: string; granularity: Granularity }) {
  const query = { from, to, granularity };
  const load = useLoad(`activity|${username}|${JSON.stringify(query)}`, () =>
    data(api.GET('/api/v1/users/{username}/activity', { params: { path: { username }, query } })),
  );
  return (
    <section class="activity" data-testid="activity">
      <h2>Activity</h2>
      <Loaded load={load}>
        {(a) => {
          if (!hasActivity(a.totals)) {
            return (
              <p class="empty" data-testid="activity-empty">
                No telemetry in this range yet: sessions, lines, commits and active time come from Claude Code’s own export (<a href="/start">Get started</a>).
              </p>
            );
          }
          const t = a.totals;
          return (
            <>
              <div class="stats" data-testid="activity-totals">
                <Stat label="Sessions" value={formatInt(t.sessions)} />
                <Stat label="Lines added" value={formatInt(t.linesAdded)} />
                <Stat label="Lines removed" value={formatInt(t.linesRemoved)} />
                <Stat label="Commits" value={formatInt(t.commits)} />
                <Stat label="Pull requests" value={formatInt(t.pullRequests)} />
                <Stat label="Active time (you)" value={formatDuration(t.activeTimeUser)} title={`${t.activeTimeUser} s`} />
                <Stat label="Active time (CLI)" value={formatDuration(t.activeTimeCli)} title={`${t.activeTimeCli} s`} />
                <Stat label="API requests" value={formatInt(t.apiRequests)} />
                <Stat label="API errors" value={formatInt(t.apiErrors)} title={formatRate(t.apiErrors, t.apiRequests + t.apiErrors)} />
              </div>
              <Chart spec={activityChart('activity-lines', 'Lines of code, commits and pull requests', a.rows, bucketsOf(granularity, from, to))} />
              <div class="grid2">
                <EditDecisions rows={a.editDecisions} />
                <ApiByModel rows={a.apiByModel} />
              </div>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function EditDecisions({ rows }: { rows: UserActivity['editDecisions'] }) {
  return (
    <section>
      <h3>Edit decisions</h3>
      {rows.length === 0 ? (
        <p class="empty">No edits offered in this range.</p>
      ) : (
        <div class="scroll">
          <table class="compact" data-testid="edit-decisions">
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Language</th>
                <th scope="col" class="num">
                  Accepted
                </th>
                <th scope="col" class="num">
                  Rejected
                </th>
                <th scope="col" class="num">
                  Accept rate
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.tool}|${r.language}`}>
                  <td>{r.tool}</td>
                  <td>{r.language || '–'}</td>
                  <td class="num">{formatInt(r.accepted)}</td>
                  <td class="num">{formatInt(r.rejected)}</td>
                  <td class="num">{formatRate(r.accepted, r.accepted + r.rejected)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ApiByModel({ rows }: { rows: UserActivity['apiByModel'] }) {
  return (
    <section>
      <h3>API requests by model</h3>
      {rows.length === 0 ? (
        <p class="empty">No API requests reported in this range.</p>
      ) : (
        <div class="scroll">
          <table class="compact" data-testid="api-by-model">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" class="num">
                  Requests
                </th>
                <th scope="col" class="num">
                  Errors
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.model}>
                  <td>{r.model}</td>
                  <td class="num">{formatInt(r.requests)}</td>
                  <td class="num">{formatInt(r.errors)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Totals({ profile }: { profile: Schemas['UserProfile'] }) {
  const last30 = profile.last30Days;
  return (
    <div class="stats" data-testid="totals">
      <Stat label="Tokens" value={formatCompact(profile.totals.totalTokens)} title={formatInt(profile.totals.totalTokens)} />
      <Stat label="Cost" value={<Money value={profile.totals.totalCost} />} />
      <Stat label="Active days" value={formatInt(profile.activeDays)} />
      <Stat label="First day" value={profile.firstDate ?? '–'} />
      <Stat label="Last day" value={profile.lastDate ?? '–'} />
      {last30.totalCost === null ? (
        <Stat label="Last 30 days" value={`${formatCompact(last30.totalTokens)} tokens`} title={`${formatInt(last30.totalTokens)} tokens`} />
      ) : (
        <Stat label="Last 30 days" value={formatCost(last30.totalCost)} title={`${formatInt(last30.totalTokens)} tokens`} />
      )}
    </div>
  );
}

/** Ranks by cost, or by tokens when the user does not show their cost to this viewer (the API refuses a rank by hidden money). */
function Ranks({ username, metric }: { username: string; metric: 'cost' | 'tokens' }) {
  const load = useLoad(`ranks|${username}|${metric}`, () =>
    data(api.GET('/api/v1/users/{username}/ranks', { params: { path: { username }, query: { metric } } })),
  );
  const label = METRICS.find(([m]) => m === metric)![1].toLowerCase();
  return (
    <section>
      <h2>Rank by {label}</h2>
      <Loaded load={load}>
        {(r) => (
          <ul class="ranks" data-testid="ranks">
            {r.ranks.map((p) => (
              <li key={p.period} data-period={p.period}>
                <a href={`/leaderboard?period=${p.period}&metric=${r.metric}`}>{PERIODS.find(([v]) => v === p.period)?.[1] ?? p.period}</a>
                <strong>{p.rank === null ? '–' : `#${p.rank}`}</strong>
                <small>
                  {p.rank === null
                    ? 'no usage'
                    : `of ${formatInt(p.total)} · ${metric === 'tokens' ? `${formatCompact(Number(p.value))} tokens` : formatCost(p.value)}`}
                </small>
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
          // A withheld cost reads as the dash (formatCost shows text that is not a number as it is).
          const days = new Map(usage.rows.map((r) => [r.date, { tokens: r.totalTokens, cost: r.totalCost ?? HIDDEN_COST }]));
          const streak = streaks(
            usage.rows.filter((r) => r.totalTokens > 0 || Number(r.totalCost ?? 0) > 0).map((r) => r.date),
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

/**
 * The owner's own page: uploads and tokens (issue, revoke), privacy settings and projects. Shown when
 * the pasted token may list the tokens, which only the owner's tokens and the admin's may.
 */
function OwnerPanel({
  where,
  username,
  from,
  to,
  onPrivacySaved,
}: {
  where: Location;
  username: string;
  from: string;
  to: string;
  onPrivacySaved: () => void;
}) {
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
      {/* Only once the token is known to be the owner's: before that a request would be refused. */}
      {tokens.state === 'ready' && <Sources username={username} from={from} to={to} version={version} />}
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
      {tokens.state === 'ready' && <PrivacySettings username={username} onSaved={onPrivacySaved} />}
      {tokens.state === 'ready' && <Projects where={where} username={username} from={from} to={to} />}
    </section>
  );
}

/** At most this many days of sources at once (the API's limit). */
const SOURCE_DAYS = 366;

export function utcMinute(iso: string | null): string {
  return iso ? `${new Date(iso).toISOString().replace('T', ' ').slice(0, 16)} UTC` : '–';
}

/** Per device and day, what was counted (an upload or telemetry) and when each device last sent. */
function Sources({ username, from, to, version }: { username: string; from: string; to: string; version: number }) {
  const start = from < addDays(to, -(SOURCE_DAYS - 1)) ? addDays(to, -(SOURCE_DAYS - 1)) : from;
  const query = { from: start, to };
  const load = useLoad(`sources|${username}|${start}|${to}|${version}`, () =>
    data(api.GET('/api/v1/users/{username}/sources', { params: { path: { username }, query } })),
  );
  return (
    <>
      <h3>Sources</h3>
      <Loaded load={load}>
        {(s) => {
          const days = s.devices
            .flatMap((d) => d.days.map((day) => ({ device: d.device, ...day })))
            .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
          if (s.devices.length === 0)
            return (
              <p class="empty">
                Nothing reported from {start} to {to}.
              </p>
            );
          return (
            <>
              <p class="hint">
                {s.from} to {s.to}. For each device and day an upload replaces what telemetry reported; telemetry counts the days no upload has.
              </p>
              <div class="scroll">
                <table class="compact" data-testid="sources">
                  <thead>
                    <tr>
                      <th scope="col">Device</th>
                      <th scope="col" class="num">
                        Days from uploads
                      </th>
                      <th scope="col" class="num">
                        Days from telemetry
                      </th>
                      <th scope="col">Last upload</th>
                      <th scope="col">Last telemetry</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.devices.map((d) => (
                      <tr key={d.device} data-device={d.device}>
                        <td>{d.device}</td>
                        <td class="num upload-days">{d.days.filter((x) => x.counted === 'upload').length}</td>
                        <td class="num telemetry-days">{d.days.filter((x) => x.counted === 'telemetry').length}</td>
                        <td>{utcMinute(d.lastUploadAt)}</td>
                        <td>{utcMinute(d.lastTelemetryAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <details class="chart-table">
                <summary>Day by day</summary>
                <div class="scroll">
                  <table class="compact" data-testid="source-days">
                    <thead>
                      <tr>
                        <th scope="col">Day</th>
                        <th scope="col">Device</th>
                        <th scope="col">Counted</th>
                        <th scope="col" class="num">
                          Uploaded tokens
                        </th>
                        <th scope="col" class="num">
                          Telemetry tokens
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {days.map((d) => (
                        <tr key={`${d.date}|${d.device}`} data-day={d.date} data-device={d.device} data-counted={d.counted ?? ''}>
                          <td>{d.date}</td>
                          <td>{d.device}</td>
                          <td>{d.counted ?? 'nothing'}</td>
                          <td class="num">{d.uploadTokens === null ? '–' : formatInt(d.uploadTokens)}</td>
                          <td class="num">{d.telemetryTokens === null ? '–' : formatInt(d.telemetryTokens)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </details>
            </>
          );
        }}
      </Loaded>
    </>
  );
}

/** A token shown once, with a copy button and the warning that it will not be shown again. */
export function NewToken({ token }: { token: string }) {
  return (
    <div class="new-token" role="status">
      <p>
        <strong>Copy this token now.</strong> It is shown only this once; the server keeps only its hash.
      </p>
      <code data-testid="new-token">{token}</code>
      <CopyButton text={token} />
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
      <TelemetryActivity username={username} from={range.from} to={range.to} granularity={granularity} />
    </>
  );
}

export function ProfileView({ where, username }: { where: Location; username: string }) {
  // Bumped when the owner saves their privacy settings: the display name in the header follows. The
  // browser may keep the profile for 30 s (Cache-Control: private, max-age=30), so that read revalidates.
  const [version, setVersion] = useState(0);
  const profile = useLoad(`profile|${username}|${version}`, () =>
    data(api.GET('/api/v1/users/{username}', { params: { path: { username } }, ...(version > 0 ? { cache: 'no-cache' as const } : {}) })),
  );
  // While it reloads the page keeps the profile it has (its range and ranks do not jump).
  const last = useRef<Schemas['UserProfile'] | undefined>(undefined);
  if (profile.state === 'ready') last.current = profile.value;
  if (profile.state === 'failed') {
    // A hidden profile is a 404 to everyone but its owner and the admin, exactly as a name no one has.
    return (
      <Page title={username}>
        <h1>{username}</h1>
        <Failure error={profile.error} />
        {profile.error.status === 404 && !session.token && (
          <details class="owner">
            <summary>Is this your profile? A private one shows only to you</summary>
            <TokenForm reason="Paste one of your upload tokens." />
          </details>
        )}
      </Page>
    );
  }
  const shown = profile.state === 'ready' ? profile.value : last.current;
  const { from, to } = profileRange(where, shown);
  const range = { from, to };
  return (
    <Page title={username}>
      <h1 class="profile-name">
        {username}
        {shown?.displayName && (
          <span class="display-name" data-testid="display-name">
            {' '}
            {shown.displayName}
          </span>
        )}
      </h1>
      {shown ? <Totals profile={shown} /> : <Loaded load={profile}>{(p) => <Totals profile={p} />}</Loaded>}
      <UsageCharts where={where} username={username} profile={shown} />
      <Activity username={username} />
      {/* Until the profile says whether its cost shows, no rank is asked for (a rank by hidden money is a 403). */}
      {shown && <Ranks username={username} metric={shown.totals.totalCost === null ? 'tokens' : 'cost'} />}
      {shown && <Devices profile={shown} />}
      <OwnerPanel where={where} username={username} {...range} onPrivacySaved={() => setVersion((v) => v + 1)} />
    </Page>
  );
}
