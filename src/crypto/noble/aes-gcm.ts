/**
 * AES-256-GCM in pure JavaScript (@noble/ciphers): the AEAD capability of the
 * noble backend, in its own module because importing noble's AES builds its
 * lookup tables (hundreds of KiB) at load; a device that only signs never
 * imports it.
 *
 *   const aead = nobleAesGcm();
 *   const sealed = aead.aes256GcmEncrypt(key, iv, plaintext, aad); // ciphertext ‖ 16-byte tag
 */
import { gcm } from '@noble/ciphers/aes.js';
import { assertGcmArguments, decryptionFailed } from '../arguments.js';
import { AES_GCM_TAG_LENGTH, type Aead } from '../provider.js';

export interface SyncAead extends Aead {
  aes256GcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  aes256GcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array;
}

export function nobleAesGcm(): SyncAead {
  return {
    aes256GcmEncrypt(key, iv, plaintext, aad) {
      assertGcmArguments(key, iv, plaintext, 'plaintext', aad);
      return gcm(key, iv, aad).encrypt(plaintext);
    },

    aes256GcmDecrypt(key, iv, sealed, aad) {
      assertGcmArguments(key, iv, sealed, 'sealed', aad);
      if (sealed.length < AES_GCM_TAG_LENGTH) throw decryptionFailed();
      try {
        return gcm(key, iv, aad).decrypt(sealed);
      } catch {
        // No cause and one message for every failure: the error must not say which check failed.
        throw decryptionFailed();
      }
    },
  };
}
