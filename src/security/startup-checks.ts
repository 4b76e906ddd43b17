import { isIP } from 'node:net';
import type { Config } from '../config/config.schema.js';

/** The password in the database spec and its docker-compose file: known to everyone who read them. */
export const SPEC_DEFAULT_DB_PASSWORD = 'db-test-pass';

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  // An empty host or a directory is a Unix socket: only this machine can reach it.
  if (h === '' || h.startsWith('/') || h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * The host and password the pool will use (a URL wins over DB_*). A URL the WHATWG parser refuses
 * but libpq takes is the host-less Unix-socket form (`postgres://u:p@/db?host=/run/postgresql`).
 */
function target(database: Extract<Config['database'], { backend: 'postgres' }>): { host: string; password: string } {
  if (database.connectionString === undefined) return { host: database.host, password: database.password };
  let url: URL;
  try {
    url = new URL(database.connectionString);
  } catch {
    return { host: '', password: '' };
  }
  return { host: url.searchParams.get('host') ?? url.hostname, password: decodeURIComponent(url.password) };
}

/**
 * A warning when the spec's default database password is used against a database that other
 * machines can reach: anyone who read the spec can then log in to it.
 */
export function defaultPasswordWarning(config: Config): string | undefined {
  if (config.database.backend !== 'postgres') return undefined;
  const { host, password } = target(config.database);
  if (password !== SPEC_DEFAULT_DB_PASSWORD || isLoopback(host)) return undefined;
  return (
    `SECURITY: the database at ${host} is reached with the default password from the database spec, ` +
    'which anyone who has read the spec knows. Set a strong DB_PASSWORD (or DB_PASSWORD_FILE) and change it on the database.'
  );
}
