import { useState } from 'preact/hooks';
import { api, ApiError, data, type Schemas } from '../api/client';
import { formatInt } from '../format';
import { type Location, navigate, withQuery } from '../router';
import { ROLES } from '../teams';
import { Loaded, Page, TokenForm, useLoad, useToken } from '../ui';

export const TEAMS_PAGE_SIZE = 50;

/** The team list's settings from its URL: a slug prefix and a page. */
export function teamsState(where: Location) {
  const q = (where.query.get('q') ?? '').trim().slice(0, 50);
  const page = Math.max(1, Math.min(100_000, Math.floor(Number(where.query.get('page') ?? '1')) || 1));
  // The API refuses anything a slug cannot contain; such a filter matches nothing anyway.
  return { q: /^[A-Za-z0-9_.-]*$/.test(q) ? q : '', page };
}

export function roleLabel(role: Schemas['Team']['role']): string {
  return ROLES.find(([r]) => r === role)?.[1] ?? '–';
}

export function Visibility({ visibility }: { visibility: Schemas['Team']['visibility'] }) {
  return (
    <span class={`badge ${visibility}`} data-testid="visibility" data-value={visibility}>
      {visibility === 'private' ? 'Private' : 'Public'}
    </span>
  );
}

function TeamFinder({ where, q }: { where: Location; q: string }) {
  const [text, setText] = useState(q);
  return (
    <form
      class="team-finder"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(withQuery(where, { q: text.trim(), page: undefined }));
      }}
    >
      <input
        type="search"
        name="q"
        aria-label="Teams whose slug starts with"
        placeholder="Slug starts with…"
        maxLength={50}
        pattern="[A-Za-z0-9_.\-]*"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit">Find</button>
    </form>
  );
}

/** POST /api/v1/teams: the signed-in user creates a team and owns it; then its page opens. */
function CreateTeam() {
  const [form, setForm] = useState({ slug: '', name: '', description: '', visibility: 'public' as 'public' | 'private' });
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      const body = { slug: form.slug.trim(), name: form.name.trim(), description: form.description.trim(), visibility: form.visibility };
      const team = await data(api.POST('/api/v1/teams', { params: { query: {} }, body }));
      navigate(`/teams/${encodeURIComponent(team.slug)}`);
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
      setBusy(false);
    }
  };
  return (
    <form class="panel-form create-team" onSubmit={(e) => void create(e)}>
      <label>
        Slug (the team’s address: letters, digits, _ . -)
        <input
          name="slug"
          required
          maxLength={50}
          pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*"
          autocomplete="off"
          spellcheck={false}
          value={form.slug}
          onInput={(e) => setForm({ ...form, slug: e.currentTarget.value })}
        />
      </label>
      <label>
        Name
        <input name="name" required maxLength={100} value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
      </label>
      <label>
        Description (optional)
        <textarea
          name="description"
          maxLength={500}
          rows={2}
          value={form.description}
          onInput={(e) => setForm({ ...form, description: e.currentTarget.value })}
        />
      </label>
      <VisibilityChoice value={form.visibility} onChange={(visibility) => setForm({ ...form, visibility })} />
      <button type="submit" disabled={busy}>
        Create team
      </button>
      {problem && (
        <p class="failure" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

/** Public or private, each with what it means (the team settings use it too). */
export function VisibilityChoice({ value, onChange }: { value: 'public' | 'private'; onChange: (value: 'public' | 'private') => void }) {
  return (
    <fieldset class="visibility-choice">
      <legend>Visibility</legend>
      <label>
        <input type="radio" name="visibility" value="public" checked={value === 'public'} onChange={() => onChange('public')} /> Public: anyone sees the team
        and its members
      </label>
      <label>
        <input type="radio" name="visibility" value="private" checked={value === 'private'} onChange={() => onChange('private')} /> Private: only its members
        (and the server’s admin); to anyone else it does not exist
      </label>
    </fieldset>
  );
}

/** /teams: the teams the viewer may see (public ones, and their own private ones when signed in), and a form to create one. */
export function TeamsView({ where }: { where: Location }) {
  const token = useToken();
  const state = teamsState(where);
  const query = { limit: TEAMS_PAGE_SIZE, offset: (state.page - 1) * TEAMS_PAGE_SIZE, ...(state.q ? { q: state.q } : {}) };
  const load = useLoad(`teams|${JSON.stringify(query)}`, () => data(api.GET('/api/v1/teams', { params: { query } })));
  return (
    <Page title="Teams">
      <h1>Teams</h1>
      <div class="controls">
        <TeamFinder key={state.q} where={where} q={state.q} />
      </div>
      <Loaded load={load}>
        {(list) => (
          <>
            <p class="range" data-testid="team-count">
              {formatInt(list.total)} {list.total === 1 ? 'team' : 'teams'}
              {state.q ? ` whose slug starts with “${state.q}”` : ''}
              {token ? '' : ' · sign in to see your private teams too'}
            </p>
            {list.teams.length === 0 ? (
              <p class="empty">No teams {state.q ? 'match' : 'yet'}.</p>
            ) : (
              <div class="scroll">
                <table class="teams">
                  <thead>
                    <tr>
                      <th scope="col">Team</th>
                      <th scope="col">Slug</th>
                      <th scope="col">Visibility</th>
                      <th scope="col" class="num">
                        Members
                      </th>
                      {token && <th scope="col">Your role</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {list.teams.map((team) => (
                      <tr key={team.slug} data-slug={team.slug}>
                        <td class="team-name">
                          <a href={`/teams/${encodeURIComponent(team.slug)}`}>{team.name}</a>
                        </td>
                        <td>
                          <code>{team.slug}</code>
                        </td>
                        <td>
                          <Visibility visibility={team.visibility} />
                        </td>
                        <td class="num members">{formatInt(team.memberCount)}</td>
                        {token && <td class="role">{roleLabel(team.role)}</td>}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {list.total > TEAMS_PAGE_SIZE && (
              <nav class="pager" aria-label="Pages">
                {state.page > 1 && (
                  <a href={withQuery(where, { page: state.page - 1 === 1 ? undefined : state.page - 1 })} rel="prev">
                    ← Previous
                  </a>
                )}
                <span>
                  Page {state.page} of {Math.ceil(list.total / TEAMS_PAGE_SIZE)}
                </span>
                {state.page * TEAMS_PAGE_SIZE < list.total && (
                  <a href={withQuery(where, { page: state.page + 1 })} rel="next">
                    Next →
                  </a>
                )}
              </nav>
            )}
          </>
        )}
      </Loaded>
      {/* A server that shows nothing without a token (READ_ACCESS=token) has asked for one above already. */}
      {!(load.state === 'failed' && load.error.status === 401) && (
        <section>
          <h2>Create a team</h2>
          {token ? (
            <CreateTeam />
          ) : (
            <TokenForm reason="Paste your upload token to create a team (you will own it) and to see the private teams you belong to. New here? Register on Get started, or through a team’s invite link." />
          )}
        </section>
      )}
    </Page>
  );
}
