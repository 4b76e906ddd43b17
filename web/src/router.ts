import { useEffect, useState } from 'preact/hooks';

/**
 * The URL is the state: every view reads its settings from the path and query, and changing a
 * setting navigates, so a link shows what its sender saw and Back undoes a change.
 */
export interface Location {
  path: string;
  query: URLSearchParams;
}

const CHANGE = 'ccstats:navigate';

function current(): Location {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(CHANGE));
  if (!options.replace) window.scrollTo(0, 0);
}

export function useLocation(): Location {
  const [where, setWhere] = useState(current);
  useEffect(() => {
    const update = () => setWhere(current());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return where;
}

/** A URL with some query parameters changed (undefined or '' removes one). */
export function withQuery(where: Location, changes: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams(where.query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') query.delete(k);
    else query.set(k, String(v));
  }
  const text = query.toString();
  return text ? `${where.path}?${text}` : where.path;
}

/** Same-origin links navigate without a reload; modified clicks (new tab) are left to the browser. */
export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin) return;
  if (anchor.pathname.startsWith('/api/') || anchor.pathname.startsWith('/docs')) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
