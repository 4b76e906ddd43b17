import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { csvField, csvFile, csvLine, wantsCsv } from '../../src/common/csv.js';

/** CSV cells and lines (RFC 4180, with formulas neutralised), content negotiation and the streamed file. */

describe('csvField', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    [0, '0'],
    [-1.5, '-1.5'], // a number is data whatever its sign
    [true, 'true'],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['two\r\nlines', '"two\r\nlines"'],
    ['12.3400', '12.3400'], // costs are decimal strings: left as they are
    ['-0.5000', '-0.5000'],
    ['-1e5', "'-1e5"], // not a plain decimal, so it could be a formula
    ['- 12', "'- 12"],
    ['+1', "'+1"], // only a minus sign makes a number; a spreadsheet would compute +1
    ['=A1,B1', `"'=A1,B1"`], // neutralised first, then quoted for its comma
    ['a=b', 'a=b'], // only a leading character is dangerous
  ] as const)('%j → %j', (value, cell) => {
    expect(csvField(value)).toBe(cell);
  });
});

describe('csvLine', () => {
  it('joins cells with commas and ends with CRLF', () => {
    expect(csvLine(['claude-opus-4', 1234, null, '0.1000', '@cmd'])).toBe("claude-opus-4,1234,,0.1000,'@cmd\r\n");
    expect(csvLine([])).toBe('\r\n');
  });
});

describe('wantsCsv', () => {
  const request = (accept?: string) => ({ headers: accept === undefined ? {} : { accept } }) as FastifyRequest;

  it.each([
    ['csv', undefined, true],
    ['json', 'text/csv', false], // ?format= decides over Accept
    [undefined, 'text/csv', true],
    [undefined, 'TEXT/CSV; charset=utf-8', true],
    [undefined, 'application/json;q=1, text/csv;q=0.5', true],
    [undefined, 'application/json', false],
    [undefined, 'text/csvx', false],
    [undefined, undefined, false],
  ] as const)('format %j, Accept %j → %j', (format, accept, csv) => {
    expect(wantsCsv(request(accept), format)).toBe(csv);
  });
});

describe('csvFile', () => {
  async function text(stream: Readable): Promise<string> {
    let out = '';
    for await (const chunk of stream) out += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    return out;
  }

  it('streams the header, then each row, from an async source', async () => {
    async function* rows() {
      for (const row of [
        ['alice', 10, '1.5000'],
        ['=bob', 0, null],
      ]) {
        await new Promise((resolve) => setImmediate(resolve)); // as a database page would arrive
        yield row;
      }
    }
    const file = csvFile('usage.csv', ['user', 'tokens', 'cost'], rows());
    expect(file.getHeaders()).toMatchObject({ type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="usage.csv"' });
    expect(await text(file.getStream())).toBe("user,tokens,cost\r\nalice,10,1.5000\r\n'=bob,0,\r\n");
  });

  it('with no rows is the header alone', async () => {
    expect(await text(csvFile('x.csv', ['a', 'b'], []).getStream())).toBe('a,b\r\n');
  });
});
