/**
 * What every sink receives for a verified message: one JSON object, the same
 * in the republished MQTT payload, a JSONL line, a Redis Stream entry and a
 * webhook body, so downstream code reads one shape.
 *
 *   { "id": "did:key:z6Mk…#c42", "sender": "did:key:z6Mk…", "deviceId": "3f9a01b2c4d5", "kind": "temp",
 *     "scope": "telemetry", "counter": 42, "timestamp": 1764590000000, "receivedAt": 1764590000123,
 *     "contentType": "json", "payload": { "temp": 21.5 }, "encoding": "telemetry", "version": "signed" }
 *
 * `id` is the sender and its replay token (counter `#c<n>` or nonce
 * `#n<hex>`): unique per message and identical on every redelivery, the key
 * for downstream de-duplication. A `bytes` payload is base64url text; a CBOR
 * payload is given as JSON (maps as objects, byte strings as base64url).
 */
import { base64urlEncode } from '../codec/base64url.js';
import { messageId, type VerifiedMessage } from './verdict.js';

export interface VerifiedRecord {
  readonly id: string;
  readonly sender: string;
  readonly deviceId: string;
  readonly kind?: string;
  readonly scope: string;
  readonly counter?: number;
  readonly nonce?: string;
  readonly timestamp?: number;
  readonly receivedAt: number;
  readonly contentType: string;
  readonly payload: unknown;
  readonly encoding: string;
  readonly version: string;
  /**
   * Present (true) when this gateway, or another, claimed the message before a
   * crash and forwards it again: a sink may already hold a copy with this id.
   */
  readonly resumed?: true;
}

export function verifiedRecord(message: VerifiedMessage, receivedAt: number, resumed: boolean): VerifiedRecord {
  const { token } = message;
  return {
    id: messageId(message.sender, token),
    sender: message.sender,
    deviceId: message.deviceId,
    ...(message.kind === undefined ? {} : { kind: message.kind }),
    scope: message.scope,
    ...(token.kind === 'counter' ? { counter: token.counter } : { nonce: token.nonce }),
    ...(message.timestamp === undefined ? {} : { timestamp: message.timestamp }),
    receivedAt,
    contentType: message.contentType,
    payload: asJson(message.payload),
    encoding: message.encoding,
    version: message.version,
    ...(resumed ? { resumed: true as const } : {}),
  };
}

function asJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return base64urlEncode(value);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), asJson(v)]));
  if (Array.isArray(value)) return value.map(asJson);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJson(v)]));
  }
  return value;
}
