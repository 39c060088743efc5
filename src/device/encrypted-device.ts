/**
 * A device whose readings are encrypted to the gateway: each one a v1
 * envelope (X25519 + AES-256-GCM, signed by the device), numbered by the same
 * counter as signed telemetry. For engines that can afford it (Moddable XS,
 * QuickJS, Node: X25519 and AES code, and a promise per reading); its own
 * module, so a signing-only device carries none of it.
 *
 *   const device = createEncryptedDevice({ sender: { did, signer }, recipient: gatewayDocument,
 *     crypto: createNobleCrypto({ random }), storage, publish });
 *   await device.telemetry(reading); // compact v1 envelope bytes, published
 *
 * `recipient` comes from the gateway's verified identity document (its DID
 * and X25519 key). The envelope names its recipient, so no audience is
 * needed. Failures: as createDevice, and the sealing errors of sealEnvelope
 * (ENCRYPT_FAILED:NO_X25519_KEY for a recipient without a key).
 */
import type { Hashing } from '../crypto/provider.js';
import { encodeEnvelope } from '../envelope/encode.js';
import { type EnvelopeSealingCrypto, type SealRecipient, sealEnvelope } from '../envelope/seal.js';
import type { EnvelopeSender } from '../envelope/sign.js';
import { unwrap, xlinkError } from '../errors.js';
import { keyIdOf } from '../identity/kid.js';
import { assembleDevice, type Device, type DeviceParts } from './device.js';

export interface EncryptedDeviceOptions extends Omit<DeviceParts, 'audience'> {
  readonly sender: EnvelopeSender;
  readonly recipient: SealRecipient;
  readonly crypto: EnvelopeSealingCrypto & Pick<Hashing, 'sha256'>;
}

export async function createEncryptedDevice(options: EncryptedDeviceOptions): Promise<Device> {
  const { sender, recipient, crypto } = options ?? ({} as EncryptedDeviceOptions);
  if (typeof sender?.did !== 'string' || typeof sender.signer?.sign !== 'function') {
    throw xlinkError('INVALID_ARGUMENT', '"sender" expected { did, signer }', { field: 'sender' });
  }
  if (typeof crypto?.sha256 !== 'function') {
    throw xlinkError('INVALID_ARGUMENT', '"crypto" expected a backend that seals (createNobleCrypto(), …)', {
      field: 'crypto',
    });
  }
  const kid = await keyIdOf(sender.signer.publicKey, { crypto });
  return assembleDevice(
    { did: sender.did, kid },
    async (message) =>
      encodeEnvelope(
        unwrap(
          await sealEnvelope(
            sender,
            recipient,
            {
              version: 'v1',
              scope: message.scope,
              payload: message.payload,
              counter: message.counter,
              supportedVersions: ['signed', 'v1'],
              ...(message.timestamp === undefined ? {} : { timestamp: message.timestamp }),
              ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
            },
            { crypto },
          ),
        ),
        'compact',
      ),
    // The recipient's DID binds the envelope; assembleDevice's audience goes unused here.
    { ...options, audience: recipient.did },
  );
}
