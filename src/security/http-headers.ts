import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The Content-Security-Policy of every answer. Swagger UI (/docs) loads its scripts and stylesheet
 * from this origin and runs no inline script (its init code is /docs/swagger-ui-init.js); its page
 * has inline <style> blocks and a style attribute, hence 'unsafe-inline' for styles only, and its CSS
 * draws icons from data: URIs. A page served later from / works under the same rules as long as its
 * scripts are files on this origin. No upgrade-insecure-requests: the service often runs on plain
 * HTTP inside a private network, where upgrading /docs' requests to https would break them.
 */
export const CONTENT_SECURITY_POLICY: Readonly<Record<string, string[]>> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
};

/**
 * Helmet's headers on every answer: the CSP above, X-Content-Type-Options: nosniff, X-Frame-Options:
 * DENY (with frame-ancestors 'none' for browsers that read only one of them), Referrer-Policy:
 * no-referrer, and helmet's other defaults. No Strict-Transport-Security: TLS ends at the proxy in
 * front of the service, which is where HSTS belongs (and whose domain policy it would commit).
 */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
};

/**
 * The headers helmet sets with HELMET_OPTIONS, worked out once at start-up: they depend on nothing
 * in the request. (@fastify/helmet built helmet's middleware again on every request, parsing the
 * CSP each time: most of the cost of a probe.)
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  // Helmet only sets and removes headers on the response it is given.
  const response: Pick<ServerResponse, 'setHeader' | 'removeHeader'> = {
    setHeader(name, value) {
      headers[name.toLowerCase()] = String(value);
      return this as ServerResponse;
    },
    removeHeader(name) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as ServerResponse, (error?: unknown) => {
    if (error) throw new Error('helmet refused its options', { cause: error });
  });
  return Object.freeze(headers);
}

/** What every answer carries. */
export const SECURITY_HEADERS = securityHeaders(HELMET_OPTIONS);
