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

/** `keepScroll`: a change within a section of the page (a project picked below the fold) stays where it is. */
export function navigate(url: string, options: { replace?: boolean; keepScroll?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(CHANGE));
  if (!options.replace && !options.keepScroll) window.scrollTo(0, 0);
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

/**
 * CSV links with a token in the tab (READ_ACCESS=token servers): a plain link would be sent without
 * it, so the file is fetched with the bearer header and saved from a blob instead.
 */
export function onCsvClick(event: MouseEvent, token: string | null): void {
  const anchor = (event.target as Element | null)?.closest?.('a[download]');
  if (!token || !(anchor instanceof HTMLAnchorElement) || anchor.origin !== location.origin || event.defaultPrevented) return;
  event.preventDefault();
  void fetch(anchor.href, { headers: { Authorization: `Bearer ${token}` } })
    .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(`HTTP ${response.status}`))))
    .then((blob) => {
      const url = URL.createObjectURL(blob);
      const save = document.createElement('a');
      save.href = url;
      save.download = new URL(anchor.href).pathname.split('/').filter(Boolean).join('-') + '.csv';
      save.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    })
    .catch(() => undefined);
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
