import { useState } from 'preact/hooks';
import { api, ApiError, data, type Schemas } from '../api/client';
import { Page } from '../ui';
import { NewToken } from './profile';

export function uploadCommand(origin: string, token = '$CCSTATS_TOKEN'): string {
  return [
    'npx ccusage@latest claude daily --json --offline --timezone UTC |',
    // The origin (scheme, host, port) holds no quote or $, so double quotes are safe around it.
    `  curl -sS -X POST "${origin}/api/v1/uploads?device=$(hostname)&tz=UTC" \\`,
    `    -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' --data-binary @-`,
  ].join('\n');
}

function Block({ id, text }: { id: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="code">
      <pre>
        <code data-testid={id}>{text}</code>
      </pre>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(text).then(() => setCopied(true))}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

export function StartView() {
  const origin = location.origin;
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Schemas['CreatedUser'] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const register = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    try {
      setCreated(await data(api.POST('/api/v1/users', { body: { username: name.trim() } })));
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  };
  const command = uploadCommand(origin);
  const script = `#!/bin/sh\nexport CCSTATS_TOKEN=${created?.token ?? 'ccs_…'}\n${command}\n`;
  return (
    <Page title="Get started">
      <h1>Get started</h1>
      <ol class="steps">
        <li>
          <h2>Register</h2>
          {created ? (
            <>
              <p>
                Welcome, <a href={`/u/${encodeURIComponent(created.username)}`}>{created.username}</a>.
              </p>
              <NewToken token={created.token} />
            </>
          ) : (
            <form class="register" onSubmit={(e) => void register(e)}>
              <label>
                Username
                <input
                  name="username"
                  required
                  minLength={1}
                  maxLength={50}
                  autocomplete="username"
                  value={name}
                  onInput={(e) => setName(e.currentTarget.value)}
                />
              </label>
              <button type="submit">Register</button>
              {problem && (
                <p class="failure" role="alert">
                  {problem}
                </p>
              )}
            </form>
          )}
        </li>
        <li>
          <h2>Upload</h2>
          <p>
            Keep the token in <code>CCSTATS_TOKEN</code> and run this on each machine you use Claude Code on. It sends what <code>ccusage</code> prints,
            unmodified; uploading again replaces the days it reports.
          </p>
          <Block id="upload-command" text={created ? `export CCSTATS_TOKEN=${created.token}\n${command}` : command} />
        </li>
        <li>
          <h2>Schedule it</h2>
          <p>
            Save the commands above as <code>~/.local/bin/ccstats-upload</code> (executable), then:
          </p>
          <h3>cron (Linux, macOS)</h3>
          <Block id="cron" text={`# crontab -e: every hour at :17\n17 * * * * $HOME/.local/bin/ccstats-upload >/dev/null 2>&1`} />
          <h3>systemd timer (Linux)</h3>
          <Block
            id="systemd"
            text={`# ~/.config/systemd/user/ccstats-upload.service\n[Service]\nType=oneshot\nExecStart=%h/.local/bin/ccstats-upload\n\n# ~/.config/systemd/user/ccstats-upload.timer\n[Timer]\nOnCalendar=hourly\nRandomizedDelaySec=10m\nPersistent=true\n[Install]\nWantedBy=timers.target\n\n# then: systemctl --user enable --now ccstats-upload.timer`}
          />
          <h3>launchd (macOS)</h3>
          <Block
            id="launchd"
            text={`<!-- ~/Library/LaunchAgents/local.ccstats.upload.plist; then: launchctl load ~/Library/LaunchAgents/local.ccstats.upload.plist -->\n<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>\n  <key>Label</key><string>local.ccstats.upload</string>\n  <key>ProgramArguments</key><array><string>/bin/sh</string><string>-lc</string><string>$HOME/.local/bin/ccstats-upload</string></array>\n  <key>StartInterval</key><integer>3600</integer>\n</dict></plist>`}
          />
          <details>
            <summary>The whole script</summary>
            <Block id="script" text={script} />
          </details>
        </li>
      </ol>
      <p class="hint">
        The API and its documentation: <a href="/docs">/docs</a>.
      </p>
    </Page>
  );
}
