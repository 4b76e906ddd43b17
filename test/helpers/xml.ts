/**
 * A strict reader of the XML subset the service writes (elements, double- or single-quoted
 * attributes, text and the five predefined entities; no comments, CDATA, doctypes or processing
 * instructions), for tests that check an SVG is well-formed and read its text back. Anything outside
 * the subset, or not well-formed, throws: that is the point.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: Array<XmlElement | string>;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (/[<]/.test(raw)) throw new Error(`raw < in ${where}: ${raw}`);
  return raw.replace(/&([^;]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';') || !(name in ENTITIES)) throw new Error(`& that starts no entity in ${where}: ${raw}`);
    return ENTITIES[name];
  });
}

export function parseXml(text: string): XmlElement {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at ${at}: ${text.slice(at, at + 40)}`);
  };
  const element = (): XmlElement => {
    if (text[at] !== '<') fail('expected <');
    at++;
    const name = NAME.exec(text.slice(at))?.[0] ?? fail('expected an element name');
    at += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const space = /^\s*/.exec(text.slice(at))![0];
      at += space.length;
      if (text.startsWith('/>', at)) {
        at += 2;
        return { name, attributes, children: [] };
      }
      if (text[at] === '>') {
        at++;
        break;
      }
      if (!space) fail('expected a space before an attribute');
      const attribute = /^([A-Za-z_][\w.:-]*)=(["'])/.exec(text.slice(at)) ?? fail('expected an attribute');
      at += attribute[0].length;
      const end = text.indexOf(attribute[2], at);
      if (end < 0) fail('unterminated attribute');
      if (attribute[1] in attributes) fail(`attribute ${attribute[1]} twice`);
      attributes[attribute[1]] = decode(text.slice(at, end), `attribute ${attribute[1]}`);
      at = end + 1;
    }
    const children: XmlElement['children'] = [];
    for (;;) {
      if (at >= text.length) fail(`unclosed <${name}>`);
      if (text.startsWith('</', at)) {
        const close = `</${name}>`;
        if (!text.startsWith(close, at)) fail(`expected ${close}`);
        at += close.length;
        return { name, attributes, children };
      }
      if (text[at] === '<') children.push(element());
      else {
        const end = text.indexOf('<', at);
        children.push(decode(text.slice(at, end < 0 ? text.length : end), `<${name}>`));
        at = end < 0 ? text.length : end;
      }
    }
  };
  const root = element();
  if (at !== text.length) fail('text after the root element');
  return root;
}

/** The text of an element and its descendants. */
export function textOf(node: XmlElement | string): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join('');
}

/** Every element below (and including) `node`, depth first. */
export function elementsOf(node: XmlElement): XmlElement[] {
  return [node, ...node.children.flatMap((c) => (typeof c === 'string' ? [] : elementsOf(c)))];
}
