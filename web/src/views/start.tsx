import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, data, onTokenChange, type Schemas, session } from '../api/client';
import { formatInt } from '../format';
import { DEVICE_NAME, settingsJson, shellExports } from '../telemetry-settings';
import { type Load, Page, TokenForm } from '../ui';
import { NewToken } from './profile';

/** The upload command; without a device name the shell names the machine with `hostname`. */
export function uploadCommand(origin: string, token = '$CCSTATS_TOKEN', device?: string): string {
  return [
    'npx ccusage@latest claude daily --json --offline --timezone UTC |',
    // The origin (scheme, host, port) holds no quote or $, so double quotes are safe around it; a
    // device name is percent-encoded, so it has neither.
    `  curl -sS -X POST "${origin}/api/v1/uploads?device=${device ? encodeURIComponent(device) : '$(hostname)'}&tz=UTC" \\`,
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

/** The token this page knows: the one just issued on registration, else the one in this tab. */
function useKnownToken(issued: string | undefined): string | undefined {
  const [pasted, setPasted] = useState(session.token);
  useEffect(() => onTokenChange(() => setPasted(session.token)), []);
  return issued ?? pasted ?? undefined;
}

const MANAGED_PATHS = [
  ['macOS', '/Library/Application Support/ClaudeCode/managed-settings.json'],
  ['Linux and WSL', '/etc/claude-code/managed-settings.json'],
  ['Windows', 'C:\\ProgramData\\ClaudeCode\\managed-settings.json'],
] as const;

/** Claude Code's own OpenTelemetry export, pointed at this server: the settings, and a check that batches arrive. */
function Telemetry({ origin, token, device, setDevice }: { origin: string; token?: string; device: string; setDevice: (device: string) => void }) {
  const named = DEVICE_NAME.test(device.trim()) ? device.trim() : undefined;
  const mine = { origin, token, device: named };
  return (
    <>
      <p>
        Claude Code can report its usage itself, live, with nothing to install: set these variables and every session sends its tokens and cost (counted as
        uploads are) and what <code>ccusage</code> cannot see: sessions, lines of code, commits, pull requests, edit decisions and active time.
        {token ? ' Your token is filled in.' : ' Register above, or paste your token under “Check my telemetry”, to have it filled in.'}
      </p>
      <label class="device-name">
        This machine’s device name (optional)
        <input
          name="device"
          maxLength={64}
          autocomplete="off"
          spellcheck={false}
          placeholder="the host name"
          value={device}
          onInput={(e) => setDevice(e.currentTarget.value)}
          aria-invalid={device.trim() !== '' && !named}
        />
      </label>
      {device.trim() !== '' && !named && (
        <p class="failure" role="alert">
          A device name is 1 to 64 letters, digits, spaces or _ . : @ -, starting with a letter or digit.
        </p>
      )}
      <p class="hint">
        <code>ccstats.device</code> must be the device name your uploads use, so that a day reported both ways counts once (an upload replaces what telemetry
        reported for its device and day). The upload command above names the machine with <code>$(hostname)</code>; <code>utils/scripts/upload.sh</code> uses{' '}
        <code>hostname -s</code> (or <code>CCSTATS_DEVICE</code>). Type the name here to fill it into both.
      </p>
      <h3>For yourself: in your shell</h3>
      <p>
        Add to <code>~/.bashrc</code> or <code>~/.zshrc</code>, then start Claude Code from a new shell:
      </p>
      <Block id="telemetry-shell" text={shellExports(mine)} />
      <h3>For yourself: in Claude Code’s settings</h3>
      <p>
        The same as the <code>env</code> block of <code>~/.claude/settings.json</code> (merge it into the file’s <code>env</code> if it has one):
      </p>
      <Block id="telemetry-settings" text={settingsJson({ ...mine, device: named ?? '<device>' })} />
      <h3>For an organisation: managed settings</h3>
      <p>
        The same <code>env</code> block in <code>managed-settings.json</code>, deployed to every machine (
        {MANAGED_PATHS.map(([os, path], i) => (
          <span key={os}>
            {i > 0 && '; '}
            {os}: <code>{path}</code>
          </span>
        ))}
        ). Each person’s token differs and each machine has its own name: either deploy the file per person with their token and device filled in, or leave{' '}
        <code>OTEL_EXPORTER_OTLP_HEADERS</code> and <code>OTEL_RESOURCE_ATTRIBUTES</code> out of it and have each person set them in their own settings or
        shell. A token in a file everyone shares would count everyone’s usage as one person’s.
      </p>
      <Block id="telemetry-managed" text={settingsJson({ origin, token: '<each person’s token>', device: '<device>' })} />
      <ul class="notes">
        <li>
          gRPC is not supported: keep <code>OTEL_EXPORTER_OTLP_PROTOCOL</code> at <code>http/protobuf</code> (or <code>http/json</code>).
        </li>
        <li>
          Claude Code drops a batch this server refuses with 401 (a mistyped or revoked token) without retrying it or saying so. After your first session, check
          below that your batches arrive.
        </li>
      </ul>
      <h3>Check my telemetry</h3>
      <p>
        What this server received with your token, per device: the last batch, and how many points and events it counted, had already counted (exporter retries)
        or refused.
      </p>
      <TelemetryCheck token={token} />
    </>
  );
}

type TelemetryStatus = Schemas['TelemetryStatus'];

function utcTime(iso: string): string {
  return `${new Date(iso).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** GET /api/v1/telemetry/status with the page's token: what the receiver got from it, per device and signal. */
function TelemetryCheck({ token }: { token?: string }) {
  const [answer, setAnswer] = useState<{ token: string; load: Load<TelemetryStatus> } | null>(null);
  if (!token) return <TokenForm reason="Paste your upload token to check what arrived with it (and to have it filled in above)." />;
  // An answer for another token (before a registration or a paste, or still on its way) is someone else's.
  const status = answer?.token === token ? answer.load : null;
  const check = async () => {
    setAnswer({ token, load: { state: 'loading' } });
    let load: Load<TelemetryStatus>;
    try {
      load = {
        state: 'ready',
        value: await data(api.GET('/api/v1/telemetry/status', { params: { query: {} }, headers: { Authorization: `Bearer ${token}` } })),
      };
    } catch (error) {
      load = { state: 'failed', error: error instanceof ApiError ? error : new ApiError(0, { detail: String(error) }) };
    }
    setAnswer((current) => (current?.token === token ? { token, load } : current));
  };
  return (
    <div class="telemetry-check">
      <button type="button" onClick={() => void check()} disabled={status?.state === 'loading'}>
        Check my telemetry
      </button>
      {status?.state === 'loading' && (
        <p class="loading" aria-busy="true">
          Checking…
        </p>
      )}
      {status?.state === 'failed' &&
        (status.error.status === 401 ? (
          <TokenForm reason="This token was not accepted: Claude Code’s batches with it are dropped too. Paste a current one." />
        ) : (
          <p class="failure" role="alert">
            {status.error.message}
          </p>
        ))}
      {status?.state === 'ready' && <TelemetryReceipts status={status.value} />}
    </div>
  );
}

function TelemetryReceipts({ status }: { status: TelemetryStatus }) {
  return (
    <div data-testid="telemetry-status" data-receiving={status.receiving ? 'true' : 'false'} role="status">
      <p>
        {status.devices.length === 0 ? (
          <>
            Nothing has arrived for <strong>{status.username}</strong> yet.
          </>
        ) : status.receiving ? (
          <>
            Receiving: a batch for <strong>{status.username}</strong> arrived in the last 10 minutes.
          </>
        ) : (
          <>
            No batch for <strong>{status.username}</strong> in the last 10 minutes.
          </>
        )}{' '}
        <span class="hint" data-testid="telemetry-hint">
          {status.hint}
        </span>
      </p>
      {status.devices.length > 0 && (
        <div class="scroll">
          <table class="compact receipts">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Signal</th>
                <th scope="col">Last batch</th>
                <th scope="col" class="num">
                  Batches
                </th>
                <th scope="col" class="num">
                  Accepted
                </th>
                <th scope="col" class="num">
                  Duplicates
                </th>
                <th scope="col" class="num">
                  Refused
                </th>
                <th scope="col">Last reasons</th>
                <th scope="col">Claude Code</th>
              </tr>
            </thead>
            <tbody>
              {status.devices.map((d) => (
                <tr key={`${d.device}|${d.signal}`} data-device={d.device} data-signal={d.signal}>
                  <td>{d.device}</td>
                  <td>{d.signal}</td>
                  <td class="last-at">{utcTime(d.lastAt)}</td>
                  <td class="num batches">{formatInt(d.batches)}</td>
                  <td class="num accepted">{formatInt(d.accepted)}</td>
                  <td class="num duplicates">{formatInt(d.duplicates)}</td>
                  <td class="num refused">{formatInt(d.refused)}</td>
                  <td class="reasons">
                    {d.lastReasons.length === 0 ? (
                      '–'
                    ) : (
                      <ul>
                        {d.lastReasons.map((r, i) => (
                          <li key={i}>{r}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{d.serviceVersion ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function StartView() {
  const origin = location.origin;
  const [name, setName] = useState('');
  const [device, setDevice] = useState('');
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
  const token = useKnownToken(created?.token);
  const named = DEVICE_NAME.test(device.trim()) ? device.trim() : undefined;
  const command = uploadCommand(origin, undefined, named);
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
        <li>
          <h2>Or: telemetry (zero install)</h2>
          <Telemetry origin={origin} token={token} device={device} setDevice={setDevice} />
        </li>
      </ol>
      <p class="hint">
        The API and its documentation: <a href="/docs">/docs</a>.
      </p>
    </Page>
  );
}
