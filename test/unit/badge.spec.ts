import { formatCost, formatTokens } from '../../src/users/badge.format.js';
import { escapeXml, renderBadge, textWidth } from '../../src/users/badge.svg.js';
import { elementsOf, parseXml, textOf } from '../helpers/xml.js';

/** The badge's pure parts: compact numbers, text widths, escaping and the SVG's shape. */

describe('formatTokens', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [999, '999'],
    [1000, '1k'],
    [1200, '1.2k'],
    [1234, '1.23k'],
    [1235, '1.24k'], // half up
    [12_345, '12.3k'],
    [123_456, '123k'],
    [999_499, '999k'],
    [999_500, '1M'], // rounding up reaches the next unit
    [9_995, '10k'], // 9.995k → 10.0k, not 10.00k
    [99_950, '100k'],
    [12_300_000, '12.3M'],
    [4_560_000_000, '4.56B'],
    [4_555_000_000, '4.56B'],
    [9_307_287_338, '9.31B'], // the heavy sample's two days, over 2^32
    [1_500_000_000_000, '1.5T'],
    [1_234_000_000_000_000, '1234T'], // no unit past T: the digits grow
    [Number.MAX_SAFE_INTEGER, '9007T'],
  ])('%d → %s', (count, text) => {
    expect(formatTokens(count)).toBe(text);
  });

  it('refuses what is not a whole count', () => {
    expect(() => formatTokens(1.5)).toThrow(RangeError);
    expect(() => formatTokens(Number.NaN)).toThrow(RangeError);
  });
});

describe('formatCost', () => {
  it.each([
    ['0.0000', '$0.00'],
    ['0.0049', '$0.00'],
    ['0.0050', '$0.01'], // half up, on the decimal digits
    ['54.8771', '$54.88'],
    ['1234.5600', '$1,234.56'],
    ['9999.9949', '$9,999.99'],
    ['9999.9950', '$10k'], // $10,000.00 would be the first compact amount
    ['12345.6789', '$12.3k'],
    ['999499.9999', '$999k'],
    ['999500.0000', '$1M'],
    ['1234567.8900', '$1.23M'],
    ['-3.5000', '-$3.50'],
    ['-0.0000', '$0.00'],
    ['7', '$7.00'],
    ['1.23456', '$1.23'],
    ['123456500000000000.0000', '$123457T'],
    ['123456499999999999.9999', '$123456T'], // a float would read this as ...500000 and round up
  ])('%s → %s', (cost, text) => {
    expect(formatCost(cost)).toBe(text);
  });

  it('refuses what is not a decimal', () => {
    for (const bad of ['', 'abc', '1e5', '$1', '1.2.3', ' 1']) expect(() => formatCost(bad)).toThrow(RangeError);
  });
});

describe('textWidth', () => {
  it('measures ASCII as Verdana 11px', () => {
    // Verdana's digits are 1303/2048 em: 7.0 px at 11 px.
    expect(textWidth('0123456789')).toBeCloseTo((10 * 1303 * 11) / 2048, 6);
    expect(textWidth('i')).toBeLessThan(textWidth('m'));
    expect(textWidth('W')).toBeGreaterThan(textWidth('w'));
    expect(textWidth('')).toBe(0);
  });

  it('gives wide characters an em, marks nothing, and counts astral characters once', () => {
    expect(textWidth('漢字')).toBe(22);
    expect(textWidth('🚀')).toBe(11);
    expect(textWidth('e\u0301')).toBe(textWidth('e'));
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials and nothing else', () => {
    expect(escapeXml(`<script>&"'</script> ok`)).toBe('&lt;script&gt;&amp;&quot;&apos;&lt;/script&gt; ok');
    expect(escapeXml('&amp;')).toBe('&amp;amp;'); // escaped text is escaped again, never taken for an entity
  });
});

describe('renderBadge', () => {
  const hostile = `<script>alert("x")</script> & 'q'`;

  it.each(['flat', 'flat-square'] as const)('is well-formed XML with the text escaped (%s)', (style) => {
    const svg = renderBadge({ label: hostile, value: '12.3M tokens', color: 'blue', style });
    expect(svg).not.toMatch(/<script/i);
    // Every & starts an entity.
    expect(svg.match(/&(?!(amp|lt|gt|quot|apos);)/g)).toBeNull();
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attributes.role).toBe('img');
    expect(root.attributes['aria-label']).toBe(`${hostile}: 12.3M tokens`);
    const all = elementsOf(root);
    expect(all.filter((e) => e.name === 'title').map(textOf)).toEqual([`${hostile}: 12.3M tokens`]);
    // The label and the value, each drawn once (and once more as the flat style's shadow).
    const texts = all.filter((e) => e.name === 'text').map(textOf);
    expect(texts).toEqual(style === 'flat' ? [hostile, hostile, '12.3M tokens', '12.3M tokens'] : [hostile, '12.3M tokens']);
  });

  it('is refused by the test reader when not well-formed', () => {
    for (const bad of ['<a>', '<a></b>', '<a x="1" x="2"/>', '<a>&</a>', '<a>&foo;</a>', '<a x="<"/>', '<a/><b/>', '<a x=1/>'])
      expect(() => parseXml(bad)).toThrow();
    expect(textOf(parseXml('<a x="&quot;">1&amp;<b>2</b></a>'))).toBe('1&2');
  });

  it('is as wide as its texts plus padding, the value box after the label box', () => {
    const svg = renderBadge({ label: 'claude code 30d', value: '$54.88', color: 'green', style: 'flat' });
    const labelWidth = Math.ceil(textWidth('claude code 30d')) + 10;
    const valueWidth = Math.ceil(textWidth('$54.88')) + 10;
    expect(svg).toContain(`<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + valueWidth}" height="20"`);
    expect(svg).toContain(`<rect width="${labelWidth}" height="20" fill="#555"/>`);
    expect(svg).toContain(`<rect x="${labelWidth}" width="${valueWidth}" height="20" fill="#97ca00"/>`);
    // The text is fitted to its box, a shadow under each in the flat style.
    expect(svg).toContain(`textLength="${(labelWidth - 10) * 10}"`);
    expect(svg.match(/fill-opacity=".3"/g)).toHaveLength(2);
    expect(svg).toContain('<title>claude code 30d: $54.88</title>');
  });

  it('has no shadow, gradient or rounded corners in flat-square', () => {
    const svg = renderBadge({ label: 'a', value: 'b', color: 'grey', style: 'flat-square' });
    expect(svg).not.toContain('fill-opacity');
    expect(svg).not.toContain('rx=');
    expect(svg).toContain('fill="#9f9f9f"');
  });

  it('references nothing outside itself', () => {
    const svg = renderBadge({ label: 'x', value: 'y', color: 'orange', style: 'flat' });
    const urls = [...svg.matchAll(/(?:href|url\()\s*["(]?([^")\s]+)/g)].map((m) => m[1]);
    expect(urls.every((u) => u.startsWith('#'))).toBe(true);
    expect(svg).not.toMatch(/<(script|foreignObject|image|use|a)\b/i);
  });
});
