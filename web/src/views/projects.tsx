import { useRef, useState } from 'preact/hooks';
import { api, data, type Schemas } from '../api/client';
import { Chart } from '../charts/chart';
import { addDays, bucketsOf, formatCompact, formatCost, formatInt, type Granularity } from '../format';
import { type Location, navigate, withQuery } from '../router';
import { type Load, Loaded, useLoad } from '../ui';
import { tokenKindsChart } from './kinds-chart';
import { granularityState } from './ranges';

type ProjectUsage = Schemas['ProjectUsage'];

/** The longest range the projects API answers. */
const PROJECT_DAYS = 3660;
const ALIAS_MAX = 100;

/**
 * The project view's settings from the URL: the project whose series is shown (`project`, its id)
 * and whether hidden projects are listed (`hiddenProjects=1`). A project is named in the URL by its
 * id only: its name is a path on the owner's machine, which goes nowhere but to the API.
 */
export function projectsState(where: Location): { project: number | null; showHidden: boolean } {
  const id = Number(where.query.get('project'));
  return { project: Number.isSafeInteger(id) && id > 0 ? id : null, showHidden: where.query.get('hiddenProjects') === '1' };
}

/** A change of these settings stays where the section is on the page. */
function stay(url: string): void {
  navigate(url, { keepScroll: true });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function Models({ project }: { project: ProjectUsage }) {
  return (
    <details class="project-models">
      <summary>
        {project.models.length} {project.models.length === 1 ? 'model' : 'models'}
      </summary>
      <table class="compact" data-testid="project-models">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" class="num">
              Tokens
            </th>
            <th scope="col" class="num">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {project.models.map((m) => (
            <tr key={m.model ?? ''} data-model={m.model ?? ''}>
              <td>{m.model ?? 'without a model breakdown'}</td>
              <td class="num tokens" title={formatInt(m.totalTokens)}>
                {formatCompact(m.totalTokens)}
              </td>
              <td class="num cost">{formatCost(m.cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** Rename: the alias shown instead of the path; empty removes it. */
function Rename({ project, onSave, onCancel }: { project: ProjectUsage; onSave: (alias: string | null) => void; onCancel: () => void }) {
  const [alias, setAlias] = useState(project.alias ?? '');
  return (
    <form
      class="rename"
      onSubmit={(e) => {
        e.preventDefault();
        const text = alias.trim();
        onSave(text === '' ? null : text);
      }}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
    >
      <input
        type="text"
        name="alias"
        aria-label="New name (empty: the path)"
        maxLength={ALIAS_MAX}
        value={alias}
        onInput={(e) => setAlias(e.currentTarget.value)}
      />
      <button type="submit">Save</button>
      <button type="button" class="secondary" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

/** One project's usage per bucket over the profile's range. */
function ProjectSeries({ username, id, from, to, granularity }: { username: string; id: number; from: string; to: string; granularity: Granularity }) {
  const query = { from, to, granularity };
  const load = useLoad(`project-series|${username}|${id}|${JSON.stringify(query)}`, () =>
    data(api.GET('/api/v1/users/{username}/projects/{id}/series', { params: { path: { username, id }, query } })),
  );
  return (
    <Loaded load={load}>
      {(s) => <Chart spec={tokenKindsChart('project-tokens', `${s.project.name}: tokens by kind, and cost`, s.rows, bucketsOf(granularity, from, to))} />}
    </Loaded>
  );
}

/**
 * The owner's usage per project (from `ccusage daily --instances` uploads) over the profile's range:
 * totals, cost and models per project, one project's series, renaming and hiding. The owner and the
 * admin only (the profile shows it once their token is known to be either).
 */
export function Projects({ where, username, from, to }: { where: Location; username: string; from: string; to: string }) {
  const state = projectsState(where);
  const granularity = granularityState(where);
  const start = from < addDays(to, -(PROJECT_DAYS - 1)) ? addDays(to, -(PROJECT_DAYS - 1)) : from;
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const query = { from: start, to, includeHidden: state.showHidden ? ('true' as const) : ('false' as const) };
  const load = useLoad(`projects|${username}|${JSON.stringify(query)}|${version}`, () =>
    data(api.GET('/api/v1/users/{username}/projects', { params: { path: { username }, query } })),
  );
  // While the list is read again (after a rename, or another range) the one shown stays, instead of a placeholder.
  const last = useRef<Schemas['ProjectList'] | undefined>(undefined);
  if (load.state === 'ready') last.current = load.value;
  const shown: Load<Schemas['ProjectList']> = load.state === 'loading' && last.current ? { state: 'ready', value: last.current } : load;
  const update = async (id: number, body: Schemas['UpdateProject']) => {
    setProblem(null);
    try {
      await data(api.PATCH('/api/v1/users/{username}/projects/{id}', { params: { path: { username, id } }, body }));
      setEditing(null);
      setVersion((v) => v + 1);
    } catch (error) {
      setProblem(message(error));
    }
  };
  const showHiddenUrl = withQuery(where, { hiddenProjects: state.showHidden ? undefined : '1' });
  return (
    <section class="projects" data-testid="projects">
      <h2>Your projects</h2>
      <p class="hint">
        From uploads made with <code>ccusage daily --instances</code>, {start} to {to}. Only you and the server’s admin see them; days uploaded without{' '}
        <code>--instances</code> have no projects.
      </p>
      <label class="check">
        <input type="checkbox" name="hiddenProjects" checked={state.showHidden} onChange={() => stay(showHiddenUrl)} /> Show hidden projects
      </label>
      {problem && (
        <p class="failure" role="alert">
          {problem}
        </p>
      )}
      <Loaded load={shown}>
        {(list) =>
          list.projects.length === 0 ? (
            <p class="empty">No projects in this range.</p>
          ) : (
            <div class="scroll">
              <table class="compact project-list">
                <thead>
                  <tr>
                    <th scope="col">Project</th>
                    <th scope="col" class="num">
                      Days
                    </th>
                    <th scope="col" class="num">
                      Tokens
                    </th>
                    <th scope="col" class="num">
                      Cost
                    </th>
                    <th scope="col">Models</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {list.projects.map((p) => {
                    const chosen = state.project === p.id;
                    const chartUrl = withQuery(where, { project: chosen ? undefined : p.id });
                    return (
                      <tr key={p.id} data-project-id={p.id} data-hidden={p.hidden ? 'true' : 'false'} aria-current={chosen ? 'true' : undefined}>
                        <td class="project-name">
                          {editing === p.id ? (
                            <Rename project={p} onSave={(alias) => void update(p.id, { alias })} onCancel={() => setEditing(null)} />
                          ) : (
                            <>
                              <span class="name">{p.name}</span>
                              {p.hidden && <span class="badge"> hidden</span>}
                              {p.alias !== null && <small class="path">{p.path}</small>}
                            </>
                          )}
                        </td>
                        <td class="num days" title={`${p.firstDate} to ${p.lastDate}`}>
                          {p.activeDays}
                        </td>
                        <td class="num tokens" title={formatInt(p.totals.totalTokens)}>
                          {formatCompact(p.totals.totalTokens)}
                        </td>
                        <td class="num cost">{formatCost(p.totals.totalCost)}</td>
                        <td>
                          <Models project={p} />
                        </td>
                        <td class="actions">
                          <a
                            href={chartUrl}
                            class="chart-link"
                            aria-pressed={chosen}
                            onClick={(e) => {
                              e.preventDefault();
                              stay(chartUrl);
                            }}
                          >
                            {chosen ? 'Hide chart' : 'Chart'}
                          </a>{' '}
                          <button type="button" class="secondary" data-action="rename" onClick={() => setEditing(p.id)}>
                            Rename
                          </button>{' '}
                          <button type="button" class="secondary" data-action="hide" onClick={() => void update(p.id, { hidden: !p.hidden })}>
                            {p.hidden ? 'Unhide' : 'Hide'}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {state.project !== null && <ProjectSeries username={username} id={state.project} from={start} to={to} granularity={granularity} />}
    </section>
  );
}
