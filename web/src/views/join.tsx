import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, data, type Schemas, session } from '../api/client';
import { navigate } from '../router';
import { goneReason, usesLeft } from '../teams';
import { Failure, type Load, Page, TokenForm, useToken } from '../ui';
import { rememberViewer } from '../viewer';
import { NewToken, utcMinute } from './profile';

type Preview = Schemas['InvitePreview'];
type InviteTeam = Preview['team'];

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, { detail: String(error) });
}

const teamPath = (slug: string) => `/teams/${encodeURIComponent(slug)}`;

/** Why the link admits nobody: unknown (404), no longer valid (410, with the reason in words), malformed (400). */
function InviteFailure({ error }: { error: ApiError }) {
  if (error.status === 404) {
    return (
      <div class="failure" role="alert" data-testid="invite-problem" data-reason="unknown">
        <strong>There is no such invite link.</strong> Check that it was copied whole; if it was, ask the team for a new one (a link is shown only once, when it
        is created).
      </div>
    );
  }
  if (error.status === 410) {
    return (
      <div class="failure" role="alert" data-testid="invite-problem" data-reason={error.problem?.reason ?? ''}>
        <strong>{goneReason(error.problem?.reason) ?? error.message}</strong> Ask the team for a new one.
      </div>
    );
  }
  if (error.status === 400) {
    return (
      <div class="failure" role="alert" data-testid="invite-problem" data-reason="malformed">
        <strong>This is not an invite link.</strong> Check that it was copied whole.
      </div>
    );
  }
  return <Failure error={error} />;
}

/** Signed in: one button joins (POST /invites/<code>/accept), then the team's page opens. */
function JoinSignedIn({ code, team }: { code: string; team: InviteTeam }) {
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const join = async () => {
    setProblem(null);
    setBusy(true);
    try {
      const joined = await data(api.POST('/api/v1/invites/{code}/accept', { params: { path: { code } } }));
      navigate(teamPath(joined.team.slug));
    } catch (error) {
      setProblem(asApiError(error));
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="join" onClick={() => void join()} disabled={busy}>
        Join {team.name}
      </button>
      <p class="hint">With the token in this tab; “Forget token” at the top signs out, to join as someone else.</p>
      {problem &&
        (problem.status === 401 ? (
          <TokenForm reason="The token in this tab was not accepted. Paste a current one." />
        ) : problem.status === 404 || problem.status === 410 ? (
          <InviteFailure error={problem} />
        ) : (
          <p class="failure" role="alert">
            {problem.message}
          </p>
        ))}
    </>
  );
}

/** Not signed in, new here: register with the invite (POST /users with `invite`); the answer's token is shown once and kept in the tab. */
function RegisterWithInvite({ code, onRegistered }: { code: string; onRegistered: (user: Schemas['CreatedUser']) => void }) {
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const register = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      onRegistered(await data(api.POST('/api/v1/users', { body: { username: name.trim(), invite: code } })));
    } catch (error) {
      setProblem(asApiError(error).message);
      setBusy(false);
    }
  };
  return (
    <form class="register join-register" onSubmit={(e) => void register(e)}>
      <h2>New here? Register and join</h2>
      <label>
        Username
        <input
          name="username"
          required
          minLength={1}
          maxLength={50}
          autocomplete="username"
          spellcheck={false}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Register and join
      </button>
      {problem && (
        <p class="failure" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

/** Not signed in, registered already: paste a token; it joins with it and, once accepted, keeps it in the tab. */
function JoinWithToken({ code }: { code: string }) {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<ApiError | null>(null);
  const join = async (event: Event) => {
    event.preventDefault();
    const token = value.trim();
    if (!token) return;
    setProblem(null);
    try {
      const joined = await data(api.POST('/api/v1/invites/{code}/accept', { params: { path: { code } }, headers: { Authorization: `Bearer ${token}` } }));
      // Kept only once the server took it: a mistyped token never lands in the tab.
      session.token = token;
      navigate(teamPath(joined.team.slug));
    } catch (error) {
      setProblem(asApiError(error));
    }
  };
  return (
    <form class="token-form join-token" onSubmit={(e) => void join(e)}>
      <h2>Registered already? Join with your token</h2>
      <label>
        Token
        <input
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="ccs_…"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Join with this token</button>
      <small>Kept in this browser tab only (session storage); closing the tab forgets it.</small>
      {problem &&
        (problem.status === 404 || problem.status === 410 ? (
          <InviteFailure error={problem} />
        ) : (
          <p class="failure" role="alert">
            {problem.status === 401 ? 'This token was not accepted. Check it, or register above.' : problem.message}
          </p>
        ))}
    </form>
  );
}

/** After registering with the invite: the token, once, and the way to the team. */
function Welcome({ user, team }: { user: Schemas['CreatedUser']; team: InviteTeam }) {
  return (
    <Page title={`Welcome to ${team.name}`}>
      <h1>Welcome to {team.name}</h1>
      <p data-testid="welcome">
        You are registered as <a href={`/u/${encodeURIComponent(user.username)}`}>{user.username}</a> and a member of {team.name}.
      </p>
      <NewToken token={user.token} />
      <p class="hint">This tab keeps the token until it closes, so the team’s pages know you.</p>
      <p>
        <a href={teamPath(team.slug)} data-testid="to-team">
          Go to {team.name}
        </a>{' '}
        · <a href="/start">Upload your usage</a>
      </p>
    </Page>
  );
}

/** /join/<code>: which team an invite link leads to, and joining it (signed in), or registering with it, or joining with a pasted token. */
export function JoinView({ code }: { code: string }) {
  const token = useToken();
  const [preview, setPreview] = useState<Load<Preview>>({ state: 'loading' });
  const [registered, setRegistered] = useState<{ user: Schemas['CreatedUser']; team: InviteTeam } | null>(null);
  // Asked once per code, not again when the token changes: after a registration used the invite
  // up, asking again would only say so.
  useEffect(() => {
    let live = true;
    setPreview({ state: 'loading' });
    data(api.GET('/api/v1/invites/{code}', { params: { path: { code } } })).then(
      (value) => live && setPreview({ state: 'ready', value }),
      (error: unknown) => live && setPreview({ state: 'failed', error: asApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [code]);
  if (registered) return <Welcome user={registered.user} team={registered.team} />;
  if (preview.state === 'loading') {
    return (
      <Page title="Join a team">
        <p class="loading" aria-busy="true">
          Loading…
        </p>
      </Page>
    );
  }
  if (preview.state === 'failed') {
    return (
      <Page title="Join a team">
        <h1>Join a team</h1>
        <InviteFailure error={preview.error} />
      </Page>
    );
  }
  const { team } = preview.value;
  return (
    <Page title={`Join ${team.name}`}>
      <h1 data-testid="join-team">Join {team.name}</h1>
      {team.description && <p class="team-description">{team.description}</p>}
      <p class="hint" data-testid="invite-validity">
        This invite link is valid until {utcMinute(preview.value.expiresAt)}, {usesLeft(preview.value.usesLeft)}.
      </p>
      {token ? (
        <JoinSignedIn code={code} team={team} />
      ) : (
        <div class="join-options">
          <RegisterWithInvite
            code={code}
            onRegistered={(user) => {
              setRegistered({ user, team });
              rememberViewer(user.token, user.username);
              session.token = user.token;
            }}
          />
          <JoinWithToken code={code} />
        </div>
      )}
    </Page>
  );
}
