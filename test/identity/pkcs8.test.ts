/**
 * PKCS#8 interop with node:crypto (OpenSSL), in both directions, for the
 * Ed25519 and X25519 keys of an identity.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { utf8Encode } from '../../src/codec/bytes.js';
import { createNobleCrypto } from '../../src/crypto/noble/index.js';
import { x25519PublicKeyToSpki } from '../../src/crypto/pkcs8.js';
import type { Identity } from '../../src/identity/derive.js';
import { identityFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';
import { exportPKCS8, importPKCS8 } from '../../src/identity/pkcs8.js';
import { webRandomSource } from '../../src/platform/random.js';
import { backends } from '../helpers/backends.js';
import { ed25519Sign, ed25519Verify, x25519SharedSecret } from '../helpers/one-shot.js';

const noble = createNobleCrypto({ random: webRandomSource(globalThis.crypto) });
const message = utf8Encode('xlink pkcs8 interop');

async function identityOf(fill: number): Promise<Identity> {
  const result = await identityFromSeed(new Uint8Array(32).fill(fill), { crypto: noble });
  assert.ok(result.ok);
  return result.value;
}

/** The raw 32-byte key at the end of a node public key's SPKI DER. */
function rawPublicKey(key: ReturnType<typeof createPublicKey>): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(-32));
}

function derOf(key: ReturnType<typeof createPrivateKey>): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
}

describe('exportPKCS8 → node:crypto', () => {
  it('node signs with our exported Ed25519 key; every backend verifies under the DID key', async () => {
    const identity = await identityOf(7);
    const { ed25519 } = exportPKCS8(identity);
    assert.equal(ed25519.length, 48);
    const nodeKey = createPrivateKey({ key: Buffer.from(ed25519), format: 'der', type: 'pkcs8' });
    assert.equal(nodeKey.asymmetricKeyType, 'ed25519');
    assert.deepEqual(rawPublicKey(createPublicKey(nodeKey)), identity.ed25519.publicKey);
    const signature = new Uint8Array(sign(null, message, nodeKey));
    for (const crypto of backends) {
      assert.ok(await ed25519Verify(crypto, identity.ed25519.publicKey, message, signature), crypto.name);
    }
  });

  it("node's X25519 diffieHellman with our exported key agrees with every backend", async () => {
    const identity = await identityOf(7);
    const { x25519 } = exportPKCS8(identity);
    const ours = createPrivateKey({ key: Buffer.from(x25519), format: 'der', type: 'pkcs8' });
    assert.equal(ours.asymmetricKeyType, 'x25519');
    assert.deepEqual(rawPublicKey(createPublicKey(ours)), identity.x25519.publicKey);
    const peer = generateKeyPairSync('x25519');
    const nodeShared = new Uint8Array(diffieHellman({ privateKey: ours, publicKey: peer.publicKey }));
    for (const crypto of backends) {
      const shared = await x25519SharedSecret(crypto, identity.x25519.secretKey, rawPublicKey(peer.publicKey));
      assert.deepEqual(shared, nodeShared, crypto.name);
    }
  });
});

describe('node:crypto → importPKCS8', () => {
  it('imports node-generated keys; each backend signs, node verifies; the DID names node’s public key', async () => {
    const nodeEd25519 = generateKeyPairSync('ed25519');
    const nodeX25519 = generateKeyPairSync('x25519');
    const keys = { ed25519: derOf(nodeEd25519.privateKey), x25519: derOf(nodeX25519.privateKey) };
    for (const crypto of backends) {
      const imported = await importPKCS8(keys, { crypto });
      assert.ok(imported.ok, imported.ok ? '' : imported.error.message);
      assert.equal(imported.value.did, didFromEd25519PublicKey(rawPublicKey(nodeEd25519.publicKey)));
      const signature = await ed25519Sign(crypto, imported.value.ed25519.secretKey, message);
      assert.ok(verify(null, message, nodeEd25519.publicKey, signature), crypto.name);

      assert.deepEqual(imported.value.x25519.publicKey, rawPublicKey(nodeX25519.publicKey));
      const peer = generateKeyPairSync('x25519');
      const ours = await x25519SharedSecret(crypto, imported.value.x25519.secretKey, rawPublicKey(peer.publicKey));
      const theirs = diffieHellman({
        privateKey: peer.privateKey,
        publicKey: createPublicKey({
          key: Buffer.from(x25519PublicKeyToSpki(imported.value.x25519.publicKey)),
          format: 'der',
          type: 'spki',
        }),
      });
      assert.deepEqual(ours, new Uint8Array(theirs), crypto.name);
    }
  });

  it('round-trips an identity: export then import gives the same DID and classical keys', async () => {
    const identity = await identityOf(9);
    for (const crypto of backends) {
      const imported = await importPKCS8(exportPKCS8(identity), { crypto });
      assert.ok(imported.ok);
      assert.deepEqual(imported.value, { did: identity.did, ed25519: identity.ed25519, x25519: identity.x25519 });
    }
  });

  it('refuses swapped, truncated and non-byte inputs, naming which input', async () => {
    const files = exportPKCS8(await identityOf(9));
    const swapped = await importPKCS8({ ed25519: files.x25519, x25519: files.ed25519 }, { crypto: noble });
    assert.deepEqual(swapped.ok ? undefined : [swapped.error.code, swapped.error.field], [
      'INVALID_PKCS8:ALGORITHM',
      'keys.ed25519',
    ]);
    const truncated = await importPKCS8(
      { ed25519: files.ed25519, x25519: files.x25519.subarray(0, 47) },
      { crypto: noble },
    );
    assert.deepEqual(truncated.ok ? undefined : [truncated.error.code, truncated.error.field], [
      'INVALID_PKCS8:MALFORMED',
      'keys.x25519',
    ]);
    const missing = await importPKCS8({ ed25519: files.ed25519 } as unknown as typeof files, {
      crypto: noble,
    });
    assert.deepEqual(missing.ok ? undefined : [missing.error.code, missing.error.field], [
      'INVALID_ARGUMENT',
      'keys.x25519',
    ]);
  });
});
