/**
 * Burn artifacts: a device's secrets in the form its target reads.
 *
 *   const bytes = encodeArtifact('espruino', { seed, ed25519Seed, kid }, 'B7-000001'); // the file's content
 *   const { seed, format } = decodeArtifact(bytes); // PROVISION_ARTIFACT_INVALID if it is none of them
 *
 * Formats (one file per device, named `<serial>.<extension>`):
 *   bin       `.bin`       the 32 raw bytes of the identity seed
 *   hex       `.hex`       the seed as 64 lowercase hex digits and "\n"
 *   moddable  `.json`      {"domain":"xlink","serial":"…","preferences":{"seed":hex,"ed25519":hex,"kid":hex}}:
 *                          each a Preference.set("xlink", name, bytes) ArrayBuffer (targets/moddable reads
 *                          "ed25519" and "kid")
 *   espruino  `.js`        var s=require("Storage"); then s.write("xlink.<name>",new Uint8Array([…]).buffer);
 *                          for seed, ed25519 and kid, one per line: pasted into the console or sent by the
 *                          flasher, read back with s.readArrayBuffer("xlink.ed25519")
 *   nvs       `.nvs.csv`   an ESP-IDF NVS partition CSV (nvs_partition_gen.py): key,type,encoding,value /
 *                          xlink,namespace,, / then seed, ed25519 and kid, each `<name>,data,hex2bin,<hex>`
 * A sealed artifact (sealing.ts) is any of these encrypted to a burn station,
 * with `.sealed` appended to the name.
 *
 * The device forms carry, beside the identity seed, what constrained targets
 * read so that they need no HKDF or thumbprint at boot: the Ed25519 secret
 * derived from the seed (`ed25519`, HKDF label "xlink/v1/ed25519", as
 * identityFromSeed derives it) and the 6-byte key id (`kid`). Node and full
 * agents read `seed` (Agent.fromSeed); `provision verify` checks the three agree.
 *
 * The decoder is strict: exactly these shapes (the final "\n" optional in
 * the text forms), or PROVISION_ARTIFACT_INVALID; it never throws anything else.
 */
import { bytesToHex, hexToBytes, utf8Decode, utf8Encode } from 'xlink/codec';
import { DEVICE_STORAGE_DOMAIN } from 'xlink/device';
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

/** What an artifact holds: the seed, and for the device forms its Ed25519 secret and key id. */
export interface DeviceSecrets {
  readonly seed: Uint8Array;
  /** The Ed25519 secret key derived from `seed` (32 bytes). */
  readonly ed25519Seed: Uint8Array;
  /** The telemetry key id (6 bytes). */
  readonly kid: Uint8Array;
}

export interface DecodedArtifact {
  readonly format: ArtifactFormat;
  readonly seed: Uint8Array;
  /** The Ed25519 secret and key id of the device forms; `provision verify` checks they match the seed. */
  readonly ed25519Seed?: Uint8Array;
  readonly kid?: Uint8Array;
  /** The serial the artifact names (the Moddable form only). */
  readonly serial?: string;
}

/** The device forms' entries: name, length, and the DeviceSecrets field. */
const ENTRIES = [
  ['seed', IDENTITY_SEED_LENGTH, 'seed'],
  ['ed25519', 32, 'ed25519Seed'],
  ['kid', 6, 'kid'],
] as const;

const NVS_HEADER = 'key,type,encoding,value';
const NVS_NAMESPACE = `${DEVICE_STORAGE_DOMAIN},namespace,,`;
const ESPRUINO_HEAD = 'var s=require("Storage");';
const ESPRUINO_WRITE = new RegExp(
  `^s\\.write\\("${DEVICE_STORAGE_DOMAIN}\\.([a-z0-9]+)",new Uint8Array\\(\\[([0-9,]+)\\]\\)\\.buffer\\);$`,
);

export function isArtifactFormat(value: unknown): value is ArtifactFormat {
  return (ARTIFACT_FORMATS as readonly unknown[]).includes(value);
}

export function encodeArtifact(format: ArtifactFormat, secrets: DeviceSecrets, serial: string): Uint8Array {
  const values = ENTRIES.map(([name, length, field]) => {
    const value = secrets[field];
    if (value.length !== length) throw new Error(`bug: ${name} is ${length} bytes`);
    return [name, value] as const;
  });
  switch (format) {
    case 'bin':
      return secrets.seed.slice();
    case 'hex':
      return utf8Encode(`${bytesToHex(secrets.seed)}\n`);
    case 'moddable': {
      const preferences = Object.fromEntries(values.map(([name, value]) => [name, bytesToHex(value)]));
      return utf8Encode(`${JSON.stringify({ domain: DEVICE_STORAGE_DOMAIN, serial, preferences })}\n`);
    }
    case 'espruino': {
      const writes = values.map(
        ([name, value]) =>
          `s.write("${DEVICE_STORAGE_DOMAIN}.${name}",new Uint8Array([${Array.from(value).join(',')}]).buffer);`,
      );
      return utf8Encode(`${[ESPRUINO_HEAD, ...writes].join('\n')}\n`);
    }
    case 'nvs': {
      const rows = values.map(([name, value]) => `${name},data,hex2bin,${bytesToHex(value)}`);
      return utf8Encode(`${[NVS_HEADER, NVS_NAMESPACE, ...rows].join('\n')}\n`);
    }
  }
}

function invalid(message: string): Error {
  return xlinkError('PROVISION_ARTIFACT_INVALID', message, { field: 'artifact' });
}

function bytesFromHex(hex: unknown, length: number, where: string): Uint8Array {
  if (typeof hex !== 'string' || !new RegExp(`^[0-9a-f]{${2 * length}}$`).test(hex)) {
    throw invalid(`${where}: expected ${2 * length} lowercase hex digits, got ${quote(hex)}`);
  }
  const bytes = hexToBytes(hex);
  if (!bytes.ok) throw invalid(`${where}: ${bytes.error.message}`);
  return bytes.value;
}

/** The device-form entries, read in their order by `read(name, length, position)`. */
function deviceForm(
  format: ArtifactFormat,
  read: (name: string, length: number, position: number) => Uint8Array,
): DecodedArtifact {
  const [seed, ed25519Seed, kid] = ENTRIES.map(([name, length], position) => read(name, length, position)) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  return { format, seed, ed25519Seed, kid };
}

/** The secrets of a clear artifact of any format; throws PROVISION_ARTIFACT_INVALID. */
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
  if (/^[0-9a-f]{64}$/.test(body)) return { format: 'hex', seed: bytesFromHex(body, IDENTITY_SEED_LENGTH, 'hex') };
  if (body.startsWith('{')) return moddable(body);
  const lines = body.split('\n');
  if (lines[0] === ESPRUINO_HEAD) {
    if (lines.length !== 1 + ENTRIES.length) throw invalid(`espruino: expected ${ENTRIES.length} Storage writes`);
    return deviceForm('espruino', (name, length, position) => {
      const write = ESPRUINO_WRITE.exec(lines[1 + position] as string);
      if (write === null || write[1] !== name)
        throw invalid(`espruino: expected the write of "${DEVICE_STORAGE_DOMAIN}.${name}"`);
      const values = (write[2] as string).split(',').map(Number);
      if (values.length !== length || values.some((v) => !Number.isInteger(v) || v > 255)) {
        throw invalid(`espruino: "${DEVICE_STORAGE_DOMAIN}.${name}" expected ${length} byte values`);
      }
      return Uint8Array.from(values);
    });
  }
  if (lines[0] === NVS_HEADER) {
    if (lines.length !== 2 + ENTRIES.length || lines[1] !== NVS_NAMESPACE) {
      throw invalid(`nvs: expected ${quote(NVS_NAMESPACE)} and ${ENTRIES.length} entries`);
    }
    return deviceForm('nvs', (name, length, position) => {
      const line = lines[2 + position] as string;
      const prefix = `${name},data,hex2bin,`;
      if (!line.startsWith(prefix)) throw invalid(`nvs: expected the line ${quote(`${prefix}<hex>`)}`);
      return bytesFromHex(line.slice(prefix.length), length, `nvs ${name}`);
    });
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
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const preferences = record.preferences as Record<string, unknown> | null | undefined;
  if (
    Object.keys(record).sort().join() !== 'domain,preferences,serial' ||
    record.domain !== DEVICE_STORAGE_DOMAIN ||
    typeof record.serial !== 'string' ||
    typeof preferences !== 'object' ||
    preferences === null ||
    Object.keys(preferences).sort().join() !== 'ed25519,kid,seed'
  ) {
    throw invalid('moddable: expected {"domain":"xlink","serial","preferences":{"seed","ed25519","kid"}}');
  }
  const serial = record.serial;
  return {
    ...deviceForm('moddable', (name, length) => bytesFromHex(preferences[name], length, `moddable ${name}`)),
    serial,
  };
}
