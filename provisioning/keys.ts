/**
 * Key files of the factory: the operator's key, a burn station's key and (when
 * custody is not used) the master secret, each 32 bytes as 64 hex digits and
 * a newline, in a file only its owner may read.
 *
 *   await writeSecretFile(path, crypto.randomBytes(32));  // exclusive create, mode 0600
 *   const seed = await readSecretFile(path, 'operator key');
 *
 * A key file that group or others can read is refused (PROVISION_INPUT_INVALID):
 * a secret that leaked to a shared account is not a secret.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { bytesToHex, hexToBytes } from 'xlink/codec';
import type { CryptoProvider, Ed25519Signer } from 'xlink/crypto';
import { quote, xlinkError } from 'xlink/errors';
import {
  type DocumentKeys,
  didFromEd25519PublicKey,
  documentKeysFromSeed,
  identityDocumentFromJson,
  signingKeyFromSeed,
  verifyIdentityDocument,
} from 'xlink/identity';
import type { SealingStation } from './sealing.js';

function invalid(message: string, field: string): Error {
  return xlinkError('PROVISION_INPUT_INVALID', message, { field });
}

/** A 32-byte key file. */
export function readSecretFile(path: string, what: string): Promise<Uint8Array> {
  return readHexFile(path, what, 32);
}

/** A secret file of hex digits (`length` bytes when given), readable by its owner only. */
export async function readHexFile(path: string, what: string, length?: number): Promise<Uint8Array> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw invalid(`cannot read the ${what} ${path}: ${error.code ?? error.message}`, what);
  });
  if ((info.mode & 0o077) !== 0) {
    throw invalid(
      `the ${what} ${path} can be read by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
      what,
    );
  }
  const text = (await readFile(path, 'utf8')).trim();
  const shape = length === undefined ? /^(?:[0-9a-f]{2})+$/ : new RegExp(`^[0-9a-f]{${2 * length}}$`);
  const bytes = shape.test(text) ? hexToBytes(text) : undefined;
  if (bytes === undefined || !bytes.ok) {
    const size = length === undefined ? 'an even number of' : String(2 * length);
    throw invalid(`the ${what} ${path} is not ${size} lowercase hex digits`, what);
  }
  return bytes.value;
}

/** Creates `path` (never overwrites) with the secret as hex, mode 0600, fsync'ed. */
export async function writeSecretFile(path: string, secret: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    throw xlinkError('PROVISION_IO_FAILED', `cannot create ${path}: ${error.code ?? error.message}`, { field: 'out' });
  });
  try {
    await handle.writeFile(`${bytesToHex(secret)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface OperatorKey {
  readonly did: string;
  readonly signer: Ed25519Signer;
}

export async function operatorFromFile(path: string, crypto: CryptoProvider): Promise<OperatorKey> {
  const key = await signingKeyFromSeed(await readSecretFile(path, 'operator key'), { crypto });
  if (!key.ok) throw invalid(`operator key ${path}: ${key.error.message}`, 'operator key');
  return { did: didFromEd25519PublicKey(key.value.signer.publicKey), signer: key.value.signer };
}

export async function stationKeysFromFile(path: string, crypto: CryptoProvider): Promise<DocumentKeys> {
  const keys = await documentKeysFromSeed(await readSecretFile(path, 'station key'), { crypto });
  if (!keys.ok) throw invalid(`station key ${path}: ${keys.error.message}`, 'station key');
  return keys.value;
}

/** The station a batch seals to, from the identity document `xlink provision keygen` printed for it. */
export async function stationFromDocument(path: string, crypto: CryptoProvider): Promise<SealingStation> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw invalid(`cannot read the station document ${path}: ${error.code ?? error.message}`, 'seal-to');
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(`the station document ${path} is not JSON`, 'seal-to');
  }
  const document = identityDocumentFromJson((json as { document?: unknown })?.document ?? json);
  if (!document.ok) throw invalid(`station document ${path}: ${document.error.message}`, 'seal-to');
  const verified = await verifyIdentityDocument(document.value, { crypto });
  if (!verified.ok) {
    throw invalid(
      `station document ${path} does not verify: ${verified.error.code} ${quote(verified.error.message)}`,
      'seal-to',
    );
  }
  return { did: verified.value.did, x25519PublicKey: verified.value.x25519PublicKey };
}
