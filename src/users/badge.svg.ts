/**
 * A shields.io-style badge ("flat" or "flat-square"), drawn here rather than fetched from
 * shields.io: the numbers may be private (READ_ACCESS=token), and a README badge should not depend
 * on a third party. Pure: text in, SVG text out.
 *
 * Nothing from the request reaches the SVG unescaped, and the SVG has no scripts, links or external
 * references, so serving it from the API's origin is safe even when opened directly.
 */

export type BadgeStyle = 'flat' | 'flat-square';
export const BADGE_STYLES = ['flat', 'flat-square'] as const satisfies readonly BadgeStyle[];

/** shields' named colours that the service uses: a metric's colour, and grey for no usage. */
export const BADGE_COLORS = { blue: '#007ec6', green: '#97ca00', orange: '#fe7d37', grey: '#9f9f9f', label: '#555' } as const;
export type BadgeColor = Exclude<keyof typeof BADGE_COLORS, 'label'>;

export interface Badge {
  label: string;
  value: string;
  color: BadgeColor;
  style: BadgeStyle;
}

export const BADGE_CONTENT_TYPE = 'image/svg+xml; charset=utf-8';

/**
 * Advance widths of Verdana's printable ASCII (space to `~`), in font units of a 2,048-unit em,
 * rounded: shields measures its text in Verdana 11px, and viewers without Verdana still draw the text
 * to this width (`textLength`), so the boxes fit whatever font they pick.
 */
// prettier-ignore
const ASCII_WIDTHS = [
  720, 807, 940, 1675, 1303, 2231, 1491, 548, 1038, 1038, 1303, 1675, 748, 874, 748, 1038, // space ! " # $ % & ' ( ) * + , - . /
  1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, // 0-9
  874, 874, 1675, 1675, 1675, 1116, 2048, // : ; < = > ? @
  1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 862, 921, 1413, 1151, 1743, // A-M
  1532, 1612, 1254, 1612, 1444, 1403, 1249, 1499, 1401, 2024, 1404, 1249, 1403, // N-Z
  1038, 1038, 1038, 1675, 1303, 1303, // [ \ ] ^ _ `
  1229, 1276, 1067, 1276, 1220, 720, 1276, 1296, 562, 676, 1198, 562, 1993, // a-m
  1296, 1233, 1276, 1276, 874, 1067, 807, 1296, 1198, 1659, 1198, 1198, 1067, // n-z
  1306, 1038, 1306, 1675, // { | } ~
];
const EM = 2048;
const FONT_SIZE = 11;
/** Outside ASCII: marks take no room, East Asian wide characters and emoji a whole em, the rest about a digit. */
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]|\p{Extended_Pictographic}/u;
const MARK = /\p{M}/u;

/** Width of `text` in pixels, as Verdana 11px would draw it (approximately, outside ASCII). */
export function textWidth(text: string): number {
  let units = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 32 && code <= 126) units += ASCII_WIDTHS[code - 32];
    else if (MARK.test(char)) continue;
    else units += WIDE.test(char) ? EM : 1303;
  }
  return (units * FONT_SIZE) / EM;
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside an element and inside a quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

/** Room on each side of a text. */
const PADDING = 5;
const HEIGHT = 20;
const FONT = 'Verdana,Geneva,DejaVu Sans,sans-serif';

/** The badge as an SVG document. */
export function renderBadge(badge: Badge): string {
  const labelWidth = Math.ceil(textWidth(badge.label)) + 2 * PADDING;
  const valueWidth = Math.ceil(textWidth(badge.value)) + 2 * PADDING;
  const width = labelWidth + valueWidth;
  const label = escapeXml(badge.label);
  const value = escapeXml(badge.value);
  const title = escapeXml(`${badge.label}: ${badge.value}`);
  const color = BADGE_COLORS[badge.color];
  const flat = badge.style === 'flat';
  // Text is drawn at ten times the size and scaled down (as shields does) for finer positions.
  const text = (content: string, centre: number, boxWidth: number) => {
    const position = `x="${centre * 10}" transform="scale(.1)" textLength="${(boxWidth - 2 * PADDING) * 10}"`;
    const shadow = flat ? `<text aria-hidden="true" ${position} y="150" fill="#010101" fill-opacity=".3">${content}</text>` : '';
    return `${shadow}<text ${position} y="140">${content}</text>`;
  };
  const boxes =
    `<rect width="${labelWidth}" height="${HEIGHT}" fill="${BADGE_COLORS.label}"/>` +
    `<rect x="${labelWidth}" width="${valueWidth}" height="${HEIGHT}" fill="${color}"/>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    flat
      ? '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>' +
        `<clipPath id="r"><rect width="${width}" height="${HEIGHT}" rx="3" fill="#fff"/></clipPath>` +
        `<g clip-path="url(#r)">${boxes}<rect width="${width}" height="${HEIGHT}" fill="url(#s)"/></g>`
      : `<g shape-rendering="crispEdges">${boxes}</g>`,
    `<g fill="#fff" text-anchor="middle" font-family="${FONT}" text-rendering="geometricPrecision" font-size="110">`,
    text(label, labelWidth / 2, labelWidth),
    text(value, labelWidth + valueWidth / 2, valueWidth),
    '</g></svg>',
  ].join('');
}
