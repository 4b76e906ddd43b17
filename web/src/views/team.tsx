import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, data, done, onTokenChange, type Schemas } from '../api/client';
import { formatInt } from '../format';
import { type Location, navigate, withQuery } from '../router';
import { canDelete, canManage, INVITE_EXPIRIES, inviteStateLabel, joinLink, memberActions, parseMaxUses, ROLES, type Standing, type TeamRole } from '../teams';
import { ConfirmButton, CopyButton, Failure, Loaded, Page, TokenForm, UserName, useLoad, useToken } from '../ui';
import { viewerName } from '../viewer';
import { utcMinute } from './profile';
import { TeamBoard } from './team-board';
import { roleLabel, Visibility, VisibilityChoice } from './teams';

type Team = Schemas['Team'];

const MEMBERS_PAGE_SIZE = 100;
const INVITES_SHOWN = 50;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function Alert({ text, testId }: { text: string | null; testId?: string }) {
  if (!text) return null;
  return (
    <p class="failure" role="alert" data-testid={testId}>
      {text}
    </p>
  );
}

/** The members, with role changes and removal for those who may (owners, team admins, the admin token). */
function Members({
  team,
  standing,
  me,
  where,
  onSelfChanged,
}: {
  team: Team;
  standing: Standing;
  me: string | null;
  where: Location;
  onSelfChanged: () => void;
}) {
  const slug = team.slug;
  const page = Math.max(1, Math.min(100_000, Math.floor(Number(where.query.get('page') ?? '1')) || 1));
  const [version, setVersion] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const query = { limit: MEMBERS_PAGE_SIZE, offset: (page - 1) * MEMBERS_PAGE_SIZE };
  const load = useLoad(`members|${slug}|${page}|${version}`, () => data(api.GET('/api/v1/teams/{slug}/members', { params: { path: { slug }, query } })));
  const isMe = (username: string) => me !== null && me.toLowerCase() === username.toLowerCase();
  const after = (username: string) => {
    if (isMe(username)) onSelfChanged();
    else setVersion((v) => v + 1);
  };
  const setRole = async (username: string, role: TeamRole) => {
    setProblem(null);
    try {
      await data(api.PATCH('/api/v1/teams/{slug}/members/{username}', { params: { path: { slug, username } }, body: { role } }));
      after(username);
    } catch (error) {
      setProblem(message(error));
      // The select shows the role the server kept.
      setVersion((v) => v + 1);
    }
  };
  const remove = async (username: string) => {
    setProblem(null);
    try {
      await done(api.DELETE('/api/v1/teams/{slug}/members/{username}', { params: { path: { slug, username } } }));
      after(username);
    } catch (error) {
      setProblem(message(error));
    }
  };
  return (
    <section data-testid="members">
      <Loaded load={load}>
        {(list) => (
          <>
            <h2>
              Members <span class="count">({formatInt(list.total)})</span>
            </h2>
            <Alert text={problem} testId="members-problem" />
            <div class="scroll">
              <table class="compact members">
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col">Role</th>
                    <th scope="col">Joined</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {list.members.map((m) => {
                    const self = isMe(m.username);
                    const can = memberActions(standing, { role: m.role, self });
                    return (
                      <tr key={m.username} data-username={m.username} data-role={m.role}>
                        <td>
                          <UserName username={m.username} displayName={m.displayName} />
                          {self && <span class="you"> (you)</span>}
                        </td>
                        <td class="role">
                          {can.roles.length > 0 ? (
                            <select
                              aria-label={`Role of ${m.username}`}
                              value={m.role}
                              onChange={(e) => void setRole(m.username, e.currentTarget.value as TeamRole)}
                            >
                              {ROLES.filter(([r]) => can.roles.includes(r) || r === m.role).map(([r, label]) => (
                                <option key={r} value={r}>
                                  {label}
                                </option>
                              ))}
                            </select>
                          ) : (
                            roleLabel(m.role)
                          )}
                        </td>
                        <td>{m.joinedAt.slice(0, 10)}</td>
                        <td class="actions">
                          {can.remove && <ConfirmButton label="Remove" confirm={`Remove ${m.username}`} onConfirm={() => void remove(m.username)} />}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {list.total > MEMBERS_PAGE_SIZE && (
              <nav class="pager" aria-label="Member pages">
                {page > 1 && (
                  <a href={withQuery(where, { page: page - 1 === 1 ? undefined : page - 1 })} rel="prev">
                    ← Previous
                  </a>
                )}
                <span>
                  Page {page} of {Math.ceil(list.total / MEMBERS_PAGE_SIZE)}
                </span>
                {page * MEMBERS_PAGE_SIZE < list.total && (
                  <a href={withQuery(where, { page: page + 1 })} rel="next">
                    Next →
                  </a>
                )}
              </nav>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

/** The viewer's own membership: their role, and leaving (the last owner is refused with the server's 409, explained). */
function Membership({ team, role, me }: { team: Team; role: TeamRole; me: string | null }) {
  const [refused, setRefused] = useState<ApiError | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const leave = async () => {
    if (!me) return;
    setRefused(null);
    setProblem(null);
    try {
      await done(api.DELETE('/api/v1/teams/{slug}/members/{username}', { params: { path: { slug: team.slug, username: me } } }));
      navigate('/teams');
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) setRefused(error);
      else setProblem(message(error));
    }
  };
  return (
    <section class="membership" data-testid="membership">
      <h2>Your membership</h2>
      <p>
        You are {role === 'member' ? 'a member' : `an ${roleLabel(role).toLowerCase()}`} of {team.name}
        {me ? ` (as ${me})` : ''}.
      </p>
      <ConfirmButton label="Leave team" confirm={`Leave ${team.name}`} disabled={!me} onConfirm={() => void leave()} />
      {refused && (
        <p class="failure" role="alert" data-testid="leave-refused">
          <strong>You are this team’s last owner, so you cannot leave it yet.</strong> A team always has an owner: make another member owner first (their role
          above), or delete the team under Settings. <span class="hint">({refused.message})</span>
        </p>
      )}
      <Alert text={problem} />
    </section>
  );
}

/** A new invite's link, shown once (only its hash is stored), with a copy button. */
function NewInvite({ invite, team }: { invite: Schemas['IssuedInvite']; team: Team }) {
  const link = joinLink(location.origin, invite.url);
  return (
    <div class="new-token new-invite" role="status">
      <p>
        <strong>Copy this link now.</strong> It is shown only this once; the server keeps only its hash. Whoever opens it may join {team.name} until{' '}
        {utcMinute(invite.expiresAt)}
        {invite.maxUses === null ? '' : `, ${invite.maxUses} ${invite.maxUses === 1 ? 'person' : 'people'} at most`}.
      </p>
      <code data-testid="new-invite">{link}</code>
      <CopyButton text={link} label="Copy link" />
    </div>
  );
}

/** Invite links (owners, team admins, the admin token): create one with an expiry and a use limit, list them with their state, revoke. */
function Invites({ team }: { team: Team }) {
  const slug = team.slug;
  const [version, setVersion] = useState(0);
  const [issued, setIssued] = useState<Schemas['IssuedInvite'] | null>(null);
  const [expires, setExpires] = useState(168);
  const [maxUses, setMaxUses] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const load = useLoad(`invites|${slug}|${version}`, () =>
    data(api.GET('/api/v1/teams/{slug}/invites', { params: { path: { slug }, query: { limit: INVITES_SHOWN, offset: 0 } } })),
  );
  const uses = parseMaxUses(maxUses);
  const create = async (event: Event) => {
    event.preventDefault();
    if (!uses.ok) return;
    setProblem(null);
    try {
      setIssued(await data(api.POST('/api/v1/teams/{slug}/invites', { params: { path: { slug } }, body: { expiresInHours: expires, maxUses: uses.value } })));
      setVersion((v) => v + 1);
    } catch (error) {
      setProblem(message(error));
    }
  };
  const revoke = async (id: number) => {
    setProblem(null);
    try {
      await done(api.DELETE('/api/v1/teams/{slug}/invites/{id}', { params: { path: { slug, id } } }));
      setVersion((v) => v + 1);
    } catch (error) {
      setProblem(message(error));
    }
  };
  return (
    <section class="invites" data-testid="invites">
      <h2>Invite links</h2>
      <p class="hint">Anyone with a link may join as a member until it expires, is used up or is revoked. Links are shown once, when created.</p>
      <form class="invite-form" onSubmit={(e) => void create(e)}>
        <label>
          Expires in
          <select name="expiresInHours" value={expires} onChange={(e) => setExpires(Number(e.currentTarget.value))}>
            {INVITE_EXPIRIES.map(([hours, label]) => (
              <option key={hours} value={hours}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Uses (blank: no limit)
          <input
            name="maxUses"
            inputMode="numeric"
            maxLength={5}
            autocomplete="off"
            placeholder="no limit"
            value={maxUses}
            aria-invalid={!uses.ok}
            onInput={(e) => setMaxUses(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={!uses.ok}>
          Create invite link
        </button>
      </form>
      {!uses.ok && <Alert text="The number of uses is a whole number from 1 to 10,000, or blank for no limit." />}
      <Alert text={problem} />
      {issued && <NewInvite key={issued.id} invite={issued} team={team} />}
      <Loaded load={load}>
        {(list) =>
          list.invites.length === 0 ? (
            <p class="empty">No invite links yet.</p>
          ) : (
            <div class="scroll">
              <table class="compact invite-list">
                <thead>
                  <tr>
                    <th scope="col">Link</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                    <th scope="col" class="num">
                      Uses
                    </th>
                    <th scope="col">State</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {list.invites.map((i) => (
                    <tr key={i.id} data-invite-id={i.id} data-state={i.state}>
                      <td>
                        <code>{i.prefix}…</code>
                      </td>
                      <td>
                        {i.createdAt.slice(0, 10)}
                        {i.createdBy ? ` by ${i.createdBy}` : ''}
                      </td>
                      <td>{utcMinute(i.expiresAt)}</td>
                      <td class="num uses">{i.maxUses === null ? formatInt(i.uses) : `${formatInt(i.uses)} of ${formatInt(i.maxUses)}`}</td>
                      <td class="state">{inviteStateLabel(i.state)}</td>
                      <td class="actions">
                        {i.state === 'valid' && (
                          <button type="button" class="secondary" onClick={() => void revoke(i.id)}>
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {list.total > list.invites.length && (
                <p class="hint">
                  The newest {list.invites.length} of {formatInt(list.total)} invite links.
                </p>
              )}
            </div>
          )
        }
      </Loaded>
    </section>
  );
}

/** Name, description and visibility (owners, team admins, the admin token); deleting the team (owners, the admin token). */
function Settings({ team, standing, onSaved }: { team: Team; standing: Standing; onSaved: (team: Team) => void }) {
  const [form, setForm] = useState({ name: team.name, description: team.description, visibility: team.visibility });
  const [saved, setSaved] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const save = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    setSaved(false);
    try {
      const body = { name: form.name.trim(), description: form.description.trim(), visibility: form.visibility };
      onSaved(await data(api.PATCH('/api/v1/teams/{slug}', { params: { path: { slug: team.slug } }, body })));
      setSaved(true);
    } catch (error) {
      setProblem(message(error));
    }
  };
  const remove = async () => {
    setProblem(null);
    try {
      await done(api.DELETE('/api/v1/teams/{slug}', { params: { path: { slug: team.slug } } }));
      navigate('/teams');
    } catch (error) {
      setProblem(message(error));
    }
  };
  return (
    <section class="settings" data-testid="settings">
      <h2>Settings</h2>
      <form class="panel-form team-settings" onSubmit={(e) => void save(e)}>
        <label>
          Name
          <input
            name="name"
            required
            maxLength={100}
            value={form.name}
            onInput={(e) => {
              setSaved(false);
              setForm({ ...form, name: e.currentTarget.value });
            }}
          />
        </label>
        <label>
          Description
          <textarea
            name="description"
            maxLength={500}
            rows={3}
            value={form.description}
            onInput={(e) => {
              setSaved(false);
              setForm({ ...form, description: e.currentTarget.value });
            }}
          />
        </label>
        <VisibilityChoice
          value={form.visibility}
          onChange={(visibility) => {
            setSaved(false);
            setForm({ ...form, visibility });
          }}
        />
        <button type="submit">Save</button>
        {saved && (
          <p role="status" data-testid="settings-saved">
            Saved.
          </p>
        )}
      </form>
      <Alert text={problem} />
      {canDelete(standing) && (
        <div class="delete-team">
          <p class="hint">Deleting the team removes its memberships and invite links; members keep their accounts and usage.</p>
          <ConfirmButton label="Delete team" confirm={`Delete ${team.name} for good`} onConfirm={() => void remove()} />
        </div>
      )}
    </section>
  );
}

/** The page of a team the viewer may see; `reload` reads the team again (after the viewer changed their own role). */
function TeamPage({ team, where, reload, onSaved }: { team: Team; where: Location; reload: () => void; onSaved: (team: Team) => void }) {
  const token = useToken();
  const role = team.role;
  // The admin token is nobody's member (role null) yet manages every team; the invite list, which
  // only managers may read, tells it apart from an outsider's token. Members and the anonymous are not asked.
  const probe = useLoad(`team-admin|${team.slug}|${token !== null}|${role}`, () =>
    token && role === null
      ? data(api.GET('/api/v1/teams/{slug}/invites', { params: { path: { slug: team.slug }, query: { limit: 1, offset: 0 } } })).then(
          () => true,
          () => false,
        )
      : Promise.resolve(false),
  );
  const standing: Standing = role ?? (probe.state === 'ready' && probe.value ? 'server-admin' : null);
  // Only a member needs their own name (to leave, and to find themself in the list).
  const who = useLoad(`me|${token !== null}|${role !== null}`, () => (token && role ? viewerName(token) : Promise.resolve(null)));
  const me = who.state === 'ready' ? who.value : null;
  return (
    <Page title={team.name}>
      <header class="team-header">
        <h1 data-testid="team-name">{team.name}</h1>
        <p class="team-meta">
          <code>{team.slug}</code> <Visibility visibility={team.visibility} />
          {role && <span class="your-role"> · you are {roleLabel(role).toLowerCase()}</span>}
          {standing === 'server-admin' && <span class="your-role"> · you hold the server’s admin token</span>}
        </p>
        {team.description && (
          <p class="team-description" data-testid="team-description">
            {team.description}
          </p>
        )}
      </header>
      <TeamBoard team={team} where={where} />
      <Members team={team} standing={standing} me={me} where={where} onSelfChanged={reload} />
      {role && <Membership team={team} role={role} me={me} />}
      {who.state === 'failed' && <Alert text={`Whose token this is could not be read (${who.error.message}); leaving needs it.`} />}
      {canManage(standing) && <Invites team={team} />}
      {canManage(standing) && <Settings team={team} standing={standing} onSaved={onSaved} />}
    </Page>
  );
}

/** /teams/<slug>: a team's header, members, the viewer's membership, and for its owners and admins invites and settings. */
export function TeamView({ where, slug }: { where: Location; slug: string }) {
  const token = useToken();
  const [version, setVersion] = useState(0);
  const [saved, setSaved] = useState<Team | null>(null);
  // A saved team is the answer to this token's PATCH; another token reads the team again.
  useEffect(() => onTokenChange(() => setSaved(null)), []);
  const load = useLoad(`team|${slug}|${version}`, () => data(api.GET('/api/v1/teams/{slug}', { params: { path: { slug } } })));
  if (load.state === 'failed') {
    return (
      <Page title={slug}>
        <h1>{slug}</h1>
        <Failure error={load.error} />
        {load.error.status === 404 && !token && <TokenForm reason="A private team shows only to its members. If you are one, paste your upload token." />}
      </Page>
    );
  }
  return (
    <Loaded load={load}>
      {(team) => (
        <TeamPage
          team={saved?.slug === team.slug && saved.updatedAt >= team.updatedAt ? saved : team}
          where={where}
          reload={() => {
            setSaved(null);
            setVersion((v) => v + 1);
          }}
          onSaved={setSaved}
        />
      )}
    </Loaded>
  );
}
