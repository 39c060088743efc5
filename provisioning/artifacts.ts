/**
 * Burn artifacts: a device's 32-byte seed in the form its target reads.
 *
 *   const bytes = encodeArtifact('espruino', seed, 'B7-000001');  // the file's content
 *   const { seed, format } = decodeArtifact(bytes);               // PROVISION_ARTIFACT_INVALID if it is none of them
 *
 * Formats (one file per device, named `<serial>.<extension>`):
 *   bin       `.bin`       the 32 raw bytes
 *   hex       `.hex`       64 lowercase hex digits and "\n"
 *   moddable  `.json`      {"domain":"xlink","key":"seed","value":"<64 hex>","serial":"…"}: what a Moddable
 *                          app stores with Preference.set("xlink", "seed", bytes) (the xlink/platform
 *                          KeyValueStorage of a device target, key "seed")
 *   espruino  `.js`        require("Storage").write("xlink.seed",new Uint8Array([…32 bytes…]).buffer);
 *                          pasted into the Espruino console or sent by the flasher; the device reads it
 *                          with require("Storage").readArrayBuffer("xlink.seed")
 *   nvs       `.nvs.csv`   an ESP-IDF NVS partition CSV (nvs_partition_gen.py / mfg_gen values):
 *                          key,type,encoding,value / xlink,namespace,, / seed,data,hex2bin,<64 hex>
 * A sealed artifact (sealing.ts) is any of these encrypted to a burn station,
 * with `.sealed` appended to the name.
 *
 * The decoder is strict: exactly these shapes (trailing "\n" optional in the
 * text forms), or a typed refusal; it never throws anything else.
 */
import { bytesToHex, hexToBytes, utf8Decode, utf8Encode } from 'xlink/codec';
import { isXlinkError, quote, xlinkError } from 'xlink/errors';
import { IDENTITY_SEED_LENGTH } from 'xlink/identity';

export const ARTIFACT_FORMATS = ['bin', 'hex', 'moddable', 'espruino', 'nvs'] as const;
export type ArtifactFormat = (typeof ARTIFACT_FORMATS)[number];

export const ARTIFACT_EXTENSIONS: Readonly<Record<ArtifactFormat, string>> = {
  bin: '.bin',
  hex: '.hex',
  moddable: '.json',
  espruino: '.js',
  nvs: '.nvs.csv',
};

/** Where each target finds the seed. */
export const SEED_STORAGE = {
  domain: 'xlink',
  key: 'seed',
  espruinoFile: 'xlink.seed',
  nvsNamespace: 'xlink',
} as const;

export function isArtifactFormat(value: unknown): value is ArtifactFormat {
  return (ARTIFACT_FORMATS as readonly unknown[]).includes(value);
}

const NVS_HEADER = 'key,type,encoding,value';
const ESPRUINO = /^require\("Storage"\)\.write\("xlink\.seed",new Uint8Array\(\[([0-9,]+)\]\)\.buffer\);\n?$/;

export function encodeArtifact(format: ArtifactFormat, seed: Uint8Array, serial: string): Uint8Array {
  if (seed.length !== IDENTITY_SEED_LENGTH) throw new Error('bug: a seed is 32 bytes');
  const hex = bytesToHex(seed);
  switch (format) {
    case 'bin':
      return seed.slice();
    case 'hex':
      return utf8Encode(`${hex}\n`);
    case 'moddable':
      return utf8Encode(
        `${JSON.stringify({ domain: SEED_STORAGE.domain, key: SEED_STORAGE.key, value: hex, serial })}\n`,
      );
    case 'espruino':
      return utf8Encode(
        `require("Storage").write("${SEED_STORAGE.espruinoFile}",new Uint8Array([${Array.from(seed).join(',')}]).buffer);\n`,
      );
    case 'nvs':
      return utf8Encode(
        `${NVS_HEADER}\n${SEED_STORAGE.nvsNamespace},namespace,,\n${SEED_STORAGE.key},data,hex2bin,${hex}\n`,
      );
  }
}

export interface DecodedArtifact {
  readonly format: ArtifactFormat;
  readonly seed: Uint8Array;
  /** The serial the artifact names (the Moddable form only). */
  readonly serial?: string;
}

function invalid(message: string): Error {
  return xlinkError('PROVISION_ARTIFACT_INVALID', message, { field: 'artifact' });
}

function seedFromHex(hex: string, where: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw invalid(`${where}: expected 64 lowercase hex digits, got ${quote(hex)}`);
  const seed = hexToBytes(hex);
  if (!seed.ok) throw invalid(`${where}: ${seed.error.message}`);
  return seed.value;
}

/** The seed of a clear artifact of any format; throws PROVISION_ARTIFACT_INVALID. */
export function decodeArtifact(bytes: Uint8Array): DecodedArtifact {
  try {
    return decode(bytes);
  } catch (error) {
    if (isXlinkError(error)) throw error;
    throw invalid(`not an artifact: ${quote((error as Error)?.message)}`);
  }
}

function decode(bytes: Uint8Array): DecodedArtifact {
  if (!(bytes instanceof Uint8Array)) throw invalid(`expected bytes, got ${quote(bytes)}`);
  if (bytes.length === IDENTITY_SEED_LENGTH) return { format: 'bin', seed: bytes.slice() };
  if (bytes.length > 4096) throw invalid(`${bytes.length} bytes is longer than any artifact`);
  const decoded = utf8Decode(bytes);
  if (!decoded.ok) throw invalid('neither 32 raw bytes nor UTF-8 text');
  const text = decoded.value;
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (/^[0-9a-f]{64}$/.test(body)) return { format: 'hex', seed: seedFromHex(body, 'hex') };
  if (body.startsWith('{')) return moddable(body);
  const espruino = ESPRUINO.exec(text);
  if (espruino !== null) {
    const values = (espruino[1] as string).split(',').map(Number);
    if (values.length !== IDENTITY_SEED_LENGTH || values.some((v) => !Number.isInteger(v) || v > 255)) {
      throw invalid('espruino: expected 32 byte values');
    }
    return { format: 'espruino', seed: Uint8Array.from(values) };
  }
  if (body.startsWith(`${NVS_HEADER}\n`)) {
    const lines = body.split('\n');
    const namespace = `${SEED_STORAGE.nvsNamespace},namespace,,`;
    const prefix = `${SEED_STORAGE.key},data,hex2bin,`;
    if (lines.length !== 3 || lines[1] !== namespace || !(lines[2] as string).startsWith(prefix)) {
      throw invalid(`nvs: expected the lines ${quote(namespace)} and ${quote(`${prefix}<hex>`)}`);
    }
    return { format: 'nvs', seed: seedFromHex((lines[2] as string).slice(prefix.length), 'nvs') };
  }
  throw invalid(`not a known artifact format (bin, hex, moddable, espruino, nvs): starts ${quote(text.slice(0, 24))}`);
}

function moddable(body: string): DecodedArtifact {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw invalid('moddable: not JSON');
  }
  const record = value as Record<string, unknown>;
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.keys(record).sort().join() !== 'domain,key,serial,value' ||
    record.domain !== SEED_STORAGE.domain ||
    record.key !== SEED_STORAGE.key ||
    typeof record.serial !== 'string' ||
    typeof record.value !== 'string'
  ) {
    throw invalid('moddable: expected {"domain":"xlink","key":"seed","value","serial"}');
  }
  return { format: 'moddable', seed: seedFromHex(record.value, 'moddable'), serial: record.serial };
}
