import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, data, onTokenChange, session } from './api/client';
import { type Location, navigate, onCsvClick, onLinkClick, useLocation } from './router';
import './styles.css';
import { Page } from './ui';
import { JoinView } from './views/join';
import { LeaderboardView } from './views/leaderboard';
import { ModelsView, ModelView } from './views/models';
import { ProfileView } from './views/profile';
import { StartView } from './views/start';
import { SummaryView } from './views/summary';
import { TeamView } from './views/team';
import { TeamsView } from './views/teams';

/** Users whose names start with what is typed, from GET /api/v1/users?q=. */
function Search() {
  const [text, setText] = useState('');
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setNames([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      data(api.GET('/api/v1/users', { params: { query: { q, limit: 8, offset: 0, sort: 'username' } } })).then(
        (list) => live && setNames(list.users.map((u) => u.username)),
        () => live && setNames([]),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text]);
  const go = (name: string) => {
    setText('');
    navigate(`/u/${encodeURIComponent(name)}`);
  };
  return (
    <form
      class="search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const pick = names.find((n) => n.toLowerCase() === text.trim().toLowerCase()) ?? names[0];
        if (pick) go(pick);
      }}
    >
      <input type="search" aria-label="Find a user" placeholder="Find a user…" value={text} onInput={(e) => setText(e.currentTarget.value)} maxLength={50} />
      {names.length > 0 && (
        <ul class="suggestions" data-testid="suggestions">
          {names.map((n) => (
            <li key={n}>
              <a href={`/u/${encodeURIComponent(n)}`} onClick={() => setText('')}>
                {n}
              </a>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

function NotFound({ where }: { where: Location }) {
  return (
    <Page title="Not found">
      <h1>Not found</h1>
      <p data-testid="not-found">
        Nothing lives at <code>{where.path}</code>. Try the <a href="/leaderboard">leaderboard</a> or the <a href="/">summary</a>.
      </p>
    </Page>
  );
}

function decoded(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

function Route({ where }: { where: Location }) {
  const path = where.path.replace(/\/+$/, '') || '/';
  if (path === '/') return <SummaryView where={where} />;
  if (path === '/leaderboard') return <LeaderboardView where={where} />;
  if (path === '/models') return <ModelsView where={where} />;
  if (path === '/start') return <StartView />;
  if (path === '/teams') return <TeamsView where={where} />;
  const user = /^\/u\/([^/]+)$/.exec(path);
  const username = user && decoded(user[1]);
  if (username) return <ProfileView key={username} where={where} username={username} />;
  const model = /^\/models\/([^/]+)$/.exec(path);
  const modelName = model && decoded(model[1]);
  if (modelName) return <ModelView key={modelName} where={where} model={modelName} />;
  const team = /^\/teams\/([^/]+)$/.exec(path);
  const slug = team && decoded(team[1]);
  if (slug) return <TeamView key={slug} where={where} slug={slug} />;
  const join = /^\/join\/([^/]+)$/.exec(path);
  const code = join && decoded(join[1]);
  if (code) return <JoinView key={code} code={code} />;
  return <NotFound where={where} />;
}

const NAV: Array<[string, string]> = [
  ['/', 'Summary'],
  ['/leaderboard', 'Leaderboard'],
  ['/models', 'Models'],
  ['/teams', 'Teams'],
  ['/start', 'Get started'],
];

function App() {
  const where = useLocation();
  const [signedIn, setSignedIn] = useState(session.token !== null);
  useEffect(() => onTokenChange(() => setSignedIn(session.token !== null)), []);
  const section = where.path === '/' ? '/' : `/${where.path.split('/')[1]}`;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top-bar">
        <a class="brand" href="/">
          <img src="/favicon.svg" alt="" width={22} height={22} /> Claude Code Stats
        </a>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <a key={href} href={href} aria-current={section === href ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <Search />
        {signedIn && (
          <button
            type="button"
            class="sign-out"
            onClick={() => {
              session.token = null;
              setSignedIn(false);
            }}
          >
            Forget token
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Route where={where} />
      </main>
      <footer>
        Numbers as <a href="https://github.com/ryoppippi/ccusage">ccusage</a> reported them · <a href="/docs">API</a>
      </footer>
    </>
  );
}

document.addEventListener('click', (event) => onCsvClick(event, session.token));
document.addEventListener('click', onLinkClick);
render(<App />, document.getElementById('app')!);
