/**
 * The serial numbers of a batch: generated from a count, or read from a CSV
 * or JSONL list, and checked before anything is written.
 *
 *   const serials = serialsFromList(text, 'csv');      // or serialsFromCount('B7', 1000)
 *   assertDistinctSerials(serials);                    // PROVISION_DUPLICATE_SERIAL
 *
 * A serial is 1 to 64 characters of `A-Za-z0-9._-`, not starting with "."
 * or "-": it names the device's artifact files, so it must be a safe file
 * name everywhere. Two serials that differ only in case collide (they name
 * the same file on a case-insensitive disk) and are refused like duplicates.
 *
 * CSV: one serial per line, or a header row with a `serial` column (other
 * columns are ignored; quoted fields are not supported, serials need none).
 * JSONL: one JSON string or `{"serial": "…"}` object per line. Blank lines
 * are skipped in both.
 */
import { quote, xlinkError } from 'xlink/errors';

export const SERIAL_PATTERN: RegExp = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
/** Largest batch one command provisions. */
export const MAX_BATCH_SIZE = 1_000_000;

export type SerialListFormat = 'csv' | 'jsonl';

function invalid(message: string): Error {
  return xlinkError('PROVISION_INPUT_INVALID', message, { field: 'serials' });
}

export function assertSerial(serial: unknown, where: string): asserts serial is string {
  if (typeof serial === 'string' && SERIAL_PATTERN.test(serial)) return;
  throw invalid(`${where}: ${quote(serial)} is not a serial (1 to 64 of A-Za-z0-9._-, not starting with "." or "-")`);
}

/** `<batch>-000001` … for a count; the batch name must itself be a valid serial prefix. */
export function serialsFromCount(batch: string, count: number): string[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BATCH_SIZE) {
    throw invalid(`the count must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${quote(count)}`);
  }
  const width = Math.max(6, String(count).length);
  return Array.from({ length: count }, (_, index) => {
    const serial = `${batch}-${String(index + 1).padStart(width, '0')}`;
    assertSerial(serial, 'generated serial');
    return serial;
  });
}

export function serialsFromList(text: string, format: SerialListFormat): string[] {
  const lines = text.split(/\r?\n/);
  const serials: string[] = [];
  let column = 0;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const where = `line ${index + 1}`;
    if (line.length === 0) return;
    if (format === 'csv') {
      const fields = line.split(',').map((field) => field.trim());
      if (serials.length === 0 && column === 0 && fields.includes('serial')) {
        column = fields.indexOf('serial') + 1;
        return;
      }
      assertSerial(fields[Math.max(0, column - 1)], where);
      serials.push(fields[Math.max(0, column - 1)] as string);
    } else {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw invalid(`${where}: not JSON: ${quote(line)}`);
      }
      const serial = typeof value === 'object' && value !== null ? (value as { serial?: unknown }).serial : value;
      assertSerial(serial, where);
      serials.push(serial);
    }
    if (serials.length > MAX_BATCH_SIZE) throw invalid(`more than ${MAX_BATCH_SIZE} serials`);
  });
  if (serials.length === 0) throw invalid('the list holds no serial');
  return serials;
}

/** Refuses a serial listed twice, or two that differ only in case, naming both positions. */
export function assertDistinctSerials(serials: readonly string[]): void {
  const seen = new Map<string, number>();
  serials.forEach((serial, index) => {
    const key = serial.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      const other = serials[first] as string;
      const how = other === serial ? 'is listed twice' : `collides with ${quote(other)} (they differ only in case)`;
      throw xlinkError(
        'PROVISION_DUPLICATE_SERIAL',
        `serial ${quote(serial)} (entry ${index + 1}) ${how}, first at entry ${first + 1}; nothing was written`,
        { field: 'serials' },
      );
    }
    seen.set(key, index);
  });
}
