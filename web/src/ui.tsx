import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, onTokenChange, session } from './api/client';
import { formatCost, HIDDEN_COST_TITLE } from './format';

export type Load<T> = { state: 'loading' } | { state: 'failed'; error: ApiError } | { state: 'ready'; value: T };

/**
 * Runs `fetcher` whenever `key` changes (or the token does) and keeps only the latest answer, so a
 * quick change of settings never shows an older request's numbers.
 */
export function useLoad<T>(key: string, fetcher: () => Promise<T>): Load<T> {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [tokenVersion, setTokenVersion] = useState(0);
  useEffect(() => onTokenChange(() => setTokenVersion((v) => v + 1)), []);
  // A layout effect, not an effect: the request leaves before the browser paints the page shell
  // instead of a frame later (bench/web.mjs measured ~65 ms of a cold leaderboard waiting for it).
  useLayoutEffect(() => {
    let live = true;
    setLoad((current) => (current.state === 'loading' ? current : { state: 'loading' }));
    fetcher().then(
      (value) => live && setLoad({ state: 'ready', value }),
      (error: unknown) => live && setLoad({ state: 'failed', error: error instanceof ApiError ? error : new ApiError(0, { detail: String(error) }) }),
    );
    return () => {
      live = false;
    };
    // Not on fetcher: a new closure every render; the key names everything it reads.
  }, [key, tokenVersion]);
  return load;
}

/** Asks for a token (READ_ACCESS=token servers, or an owner's own pages). */
export function TokenForm({ reason }: { reason: string }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) session.token = value;
      }}
    >
      <p>{reason}</p>
      <label>
        Token
        <input type="password" autocomplete="off" spellcheck={false} placeholder="ccs_…" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <button type="submit">Use this token</button>
      <small>Kept in this browser tab only (session storage); closing the tab forgets it.</small>
    </form>
  );
}

export function Failure({ error }: { error: ApiError }) {
  if (error.status === 401) {
    return (
      <TokenForm
        reason={
          session.token ? 'This token was not accepted. Paste another one.' : 'This server shows its numbers only to its members. Paste your upload token.'
        }
      />
    );
  }
  return (
    <div class="failure" role="alert">
      <strong>{error.status === 404 ? 'Not found.' : 'Something went wrong.'}</strong> {error.message}
    </div>
  );
}

/** What a Load shows: a placeholder, the error, or `children(value)`. */
export function Loaded<T>({ load, children }: { load: Load<T>; children: (value: T) => ComponentChildren }) {
  if (load.state === 'loading')
    return (
      <p class="loading" aria-busy="true">
        Loading…
      </p>
    );
  if (load.state === 'failed') return <Failure error={load.error} />;
  return <>{children(load.value)}</>;
}

/** A row of choices that navigate (each a link, so the URL keeps the state). */
export function Choices({
  label,
  options,
  current,
  href,
}: {
  label: string;
  options: ReadonlyArray<readonly [string, string]>;
  current: string;
  href: (value: string) => string;
}) {
  return (
    <nav class="choices" aria-label={label}>
      <span class="choices-label">{label}</span>
      {options.map(([value, text]) => (
        <a key={value} href={href(value)} aria-current={value === current ? 'true' : undefined} data-value={value}>
          {text}
        </a>
      ))}
    </nav>
  );
}

export function Stat({ label, value, title }: { label: string; value: ComponentChildren; title?: string }) {
  return (
    <div class="stat" title={title}>
      <span class="stat-label">{label}</span>
      <span class="stat-value">{value}</span>
    </div>
  );
}

/**
 * An amount of money, or the mark of one withheld: the API answers null where the user does not
 * show their cost to this viewer (docs/privacy.md), which reads as a dash with the reason on hover.
 */
export function Money({ value, format = formatCost }: { value: string | null; format?: (cost: string) => string }) {
  if (value === null)
    return (
      <span class="hidden-cost" title={HIDDEN_COST_TITLE} data-hidden="cost">
        {formatCost(null)}
      </span>
    );
  return <>{format(value)}</>;
}

/** A user's name as a link to their profile, with the display name they chose beside it. */
export function UserName({ username, displayName }: { username: string; displayName: string | null | undefined }) {
  return (
    <>
      <a href={`/u/${encodeURIComponent(username)}`}>{username}</a>
      {displayName && (
        <span class="display-name" data-testid="display-name">
          {' '}
          {displayName}
        </span>
      )}
    </>
  );
}

export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Claude Code Stats`;
  }, [title]);
  return <>{children}</>;
}

/** The token in this tab, kept current when it is pasted or forgotten. */
export function useToken(): string | null {
  const [token, setToken] = useState(session.token);
  useEffect(() => onTokenChange(() => setToken(session.token)), []);
  return token;
}

/**
 * A button for what cannot be undone by a click (removing a member, leaving, deleting a team): the
 * first click asks, the second does it; Cancel (or Escape) steps back.
 */
export function ConfirmButton({ label, confirm, onConfirm, disabled }: { label: string; confirm: string; onConfirm: () => void; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" class="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={confirm} onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}>
      <button
        type="button"
        class="danger"
        ref={yes}
        data-confirm="yes"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirm}
      </button>
      <button type="button" class="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/**
 * A button that copies `text` (a token, an invite link) and then says "Copied"; a copy the browser
 * refuses (no clipboard permission) leaves it offering to copy again.
 */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? 'Copied' : label}
    </button>
  );
}
