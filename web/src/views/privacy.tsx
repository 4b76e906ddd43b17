import { useState } from 'preact/hooks';
import { api, data, type Schemas } from '../api/client';
import { Loaded, useLoad } from '../ui';

type Privacy = Schemas['Privacy'];
type Visibility = Privacy['visibility'];

/** The three visibilities, each with what it means (docs/privacy.md). */
export const VISIBILITIES: ReadonlyArray<readonly [Visibility, string, string]> = [
  ['public', 'Public', 'anyone sees your profile and you on the boards'],
  ['teams', 'Teams', 'only people who share a team with you (and the server’s admin); to anyone else your profile does not exist'],
  ['private', 'Private', 'only you and the server’s admin; to everyone else your profile does not exist'],
];

const DISPLAY_NAME_MAX = 100;

function visibilityLabel(visibility: Visibility): string {
  return VISIBILITIES.find(([v]) => v === visibility)![1];
}

/** The form over one answer of GET …/privacy; saving sends every field and shows what the server kept. */
function PrivacyForm({ username, privacy, onSaved }: { username: string; privacy: Privacy; onSaved: (saved: Privacy) => void }) {
  const [form, setForm] = useState({ visibility: privacy.visibility, showCost: privacy.showCost, displayName: privacy.displayName ?? '' });
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const save = async () => {
    setBusy(true);
    setSaved(false);
    setProblem(null);
    try {
      const displayName = form.displayName.trim();
      const answer = await data(
        api.PATCH('/api/v1/users/{username}/privacy', {
          params: { path: { username } },
          body: { visibility: form.visibility, showCost: form.showCost, displayName: displayName === '' ? null : displayName },
        }),
      );
      setForm({ visibility: answer.visibility, showCost: answer.showCost, displayName: answer.displayName ?? '' });
      setSaved(true);
      onSaved(answer);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="panel-form privacy-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <fieldset class="visibility-choice">
        <legend>Who sees your usage</legend>
        {VISIBILITIES.map(([value, label, meaning]) => (
          <label key={value}>
            <input
              type="radio"
              name="privacy-visibility"
              value={value}
              checked={form.visibility === value}
              onChange={() => {
                setSaved(false);
                setForm({ ...form, visibility: value });
              }}
            />{' '}
            {label}: {meaning}
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input
          type="checkbox"
          name="showCost"
          checked={form.showCost}
          onChange={(e) => {
            setSaved(false);
            setForm({ ...form, showCost: e.currentTarget.checked });
          }}
        />{' '}
        Show your cost to others (off: they see your tokens, not your money; you and the admin still do)
      </label>
      <label>
        Display name, shown beside your username (empty for none)
        <input
          type="text"
          name="displayName"
          maxLength={DISPLAY_NAME_MAX}
          autocomplete="off"
          value={form.displayName}
          onInput={(e) => {
            setSaved(false);
            setForm({ ...form, displayName: e.currentTarget.value });
          }}
        />
      </label>
      <button type="submit" disabled={busy}>
        Save
      </button>
      {saved && (
        <p role="status" data-testid="privacy-saved">
          Saved. Every board and profile follows from the next request.
        </p>
      )}
      {problem && (
        <p class="failure" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

/**
 * A user's privacy settings (docs/privacy.md), for the owner and the admin: visibility, whether
 * others see their cost, a display name, and the server's defaults for new users.
 */
export function PrivacySettings({ username, onSaved }: { username: string; onSaved: () => void }) {
  const load = useLoad(`privacy|${username}`, () => data(api.GET('/api/v1/users/{username}/privacy', { params: { path: { username } } })));
  return (
    <section class="privacy" data-testid="privacy">
      <h2>Privacy</h2>
      <Loaded load={load}>
        {(privacy) => (
          <>
            <PrivacyForm username={username} privacy={privacy} onSaved={onSaved} />
            <p class="hint" data-testid="privacy-defaults">
              This server’s defaults for new users: {visibilityLabel(privacy.defaults.visibility).toLowerCase()},{' '}
              {privacy.defaults.showCost ? 'cost shown' : 'cost hidden'}.
            </p>
          </>
        )}
      </Loaded>
    </section>
  );
}
