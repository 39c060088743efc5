/**
 * What a simulated device signs: a small JSON reading whose first fields are
 * the header the run counts by, inside the signed bytes (as emqtt-bench's
 * `--payload-hdrs cnt64,ts`): `seq`, the device's own sequence number, and
 * `ts`, the send time on the run's clock. Padded to `bytes` when asked.
 *
 *   readingPayload(7, 1764590000000, 64)   // {"seq":7,"ts":1764590000000,"temp":21.4,"pad":"xxx…"} in 64 bytes
 *   readingHeader(payloadFromRecord)       // { seq: 7, ts: 1764590000000 } or undefined
 */
import { utf8Decode, utf8Encode } from 'xlink/codec';

export interface ReadingHeader {
  readonly seq: number;
  readonly ts: number;
}

export function readingPayload(seq: number, ts: number, bytes = 0): Uint8Array {
  // A plausible sensor value that varies with seq, so no two readings of a device carry the same content.
  const temp = Math.round((20 + 5 * Math.sin(seq / 10)) * 10) / 10;
  const text = JSON.stringify({ seq, ts, temp });
  const room = bytes - text.length - ',"pad":""'.length;
  if (room <= 0) return utf8Encode(text);
  return utf8Encode(`${text.slice(0, -1)},"pad":"${'x'.repeat(room)}"}`);
}

/** The header of a reading: a verified record's `payload` (object, or base64url/JSON text) or the raw payload bytes. */
export function readingHeader(payload: unknown): ReadingHeader | undefined {
  let value = payload;
  if (value instanceof Uint8Array) {
    const text = utf8Decode(value);
    if (!text.ok) return undefined;
    try {
      value = JSON.parse(text.value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { seq, ts } = value as { seq?: unknown; ts?: unknown };
  if (!Number.isSafeInteger(seq) || typeof ts !== 'number') return undefined;
  return { seq: seq as number, ts };
}
