/**
 * Turning generated text into the exact bytes that go on the wire. encodeURIComponent cannot be
 * used: it throws on lone surrogates, which are among the inputs we want to send.
 */

/** UTF-8, except that a lone surrogate is written as its own three bytes (WTF-8), as a careless client would. */
export function wtf8(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Buffer.from(bytes);
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encodes every byte but the unreserved characters of RFC 3986. */
export function pct(text: string): string {
  let out = '';
  for (const byte of wtf8(text)) {
    const c = String.fromCharCode(byte);
    out += UNRESERVED.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A query part: a key and value to encode, or a fragment sent as it is (`%zz`, `&&`, `=`). */
export type QueryPart = { key: string; value: string } | { raw: string };

export function queryString(parts: QueryPart[]): string {
  if (parts.length === 0) return '';
  return `?${parts.map((p) => ('raw' in p ? p.raw : `${pct(p.key)}=${pct(p.value)}`)).join('&')}`;
}

/** Header values may only hold tab, visible ASCII and Latin-1 bytes; Node refuses anything else. */
export function headerSafe(text: string): string {
  return text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}
