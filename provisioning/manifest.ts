/**
 * The batch manifest: one JSON line of public data per device, for the
 * registry import and the end-of-line jig; never a secret.
 *
 *   {"serial":"B7-000001","did":"did:key:z6Mk…","kid":"3a1cb28a525c","document":{"body":…,"signature":…},
 *    "product":"thermo","batch":"B7","scopes":["telemetry"],"createdAt":1796112000000}
 *
 * `kid` is the telemetry key id (hex), `document` the device's signed
 * identity document (identityDocumentToJson form), `createdAt` ms since the
 * epoch. The CSV export has the same columns but the document, scopes
 * joined by spaces.
 */
import { quote, xlinkError } from 'xlink/errors';
import type { IdentityDocumentJson } from 'xlink/identity';

export interface ManifestEntry {
  readonly serial: string;
  readonly did: string;
  readonly kid: string;
  readonly document: IdentityDocumentJson;
  readonly product: string;
  readonly batch: string;
  readonly scopes: readonly string[];
  readonly createdAt: number;
}

export function manifestJsonl(entries: readonly ManifestEntry[]): string {
  return entries
    .map(({ serial, did, kid, document, product, batch, scopes, createdAt }) => {
      const line = { serial, did, kid, document, product, batch, scopes, createdAt };
      return `${JSON.stringify(line)}\n`;
    })
    .join('');
}

export function manifestCsv(entries: readonly ManifestEntry[]): string {
  const rows = entries.map((e) => [
    e.serial,
    e.did,
    e.kid,
    e.product,
    e.batch,
    e.scopes.join(' '),
    String(e.createdAt),
  ]);
  return `${['serial,did,kid,product,batch,scopes,createdAt', ...rows.map((row) => row.join(','))].join('\n')}\n`;
}

/** Reads a manifest; PROVISION_INPUT_INVALID names the first bad line. Shapes only: documents are verified by whoever uses them. */
export function parseManifest(text: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim().length === 0) return;
    const bad = (why: string): Error =>
      xlinkError('PROVISION_INPUT_INVALID', `manifest line ${index + 1}: ${why}`, { field: 'manifest' });
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw bad(`not JSON: ${quote(line)}`);
    }
    const entry = value as Record<string, unknown>;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('expected an object');
    for (const key of ['serial', 'did', 'kid', 'product', 'batch']) {
      if (typeof entry[key] !== 'string') throw bad(`"${key}" expected a string`);
    }
    if (!Array.isArray(entry.scopes) || !entry.scopes.every((scope) => typeof scope === 'string')) {
      throw bad('"scopes" expected an array of strings');
    }
    if (typeof entry.document !== 'object' || entry.document === null) throw bad('"document" expected an object');
    if (!Number.isSafeInteger(entry.createdAt)) throw bad('"createdAt" expected ms since the epoch');
    entries.push(value as ManifestEntry);
  });
  return entries;
}
