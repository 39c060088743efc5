// A CSV reader for the tests of summaryCsv: RFC 4180, nothing more.
import assert from 'node:assert/strict';

/** RFC 4180, enough for these files: quoted fields with doubled quotes, CRLF or LF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  assert.equal(quoted, false, 'no quote left open');
  assert.equal(row.length + field.length, 0, 'the text ends with a newline');
  return rows;
}
