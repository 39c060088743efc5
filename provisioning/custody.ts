/**
 * Custody of the factory master secret: it is never stored whole, only as k
 * of n custodian shares (xlink/split: XOR threshold sharing, every share
 * HMAC-tagged), combined in memory when a batch runs.
 *
 *   xlink provision custody split --threshold 3 --shares 5 --out ./custody   // a new master, in memory only
 *   xlink provision --master-shares s1,s3,s5 --hmac-key ./custody/hmac.key …  // combined for the batch
 *   xlink provision custody combine s1 s3 s5 --hmac-key ./custody/hmac.key    // checks them: prints the master id
 *
 * Files: `share-<i>-of-<n>.share` (the encoded share in hex, one per
 * custodian: hand each to its custodian and delete it here) and `hmac.key`
 * (the key every share's tag is made with; it stays with the production line,
 * apart from the shares: it adds no secrecy, only tamper detection), all
 * 0600. The master id (seeds.ts) names the master in journals and output.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bytesToHex } from 'xlink/codec';
import { createNodeCrypto } from 'xlink/crypto/node';
import { xlinkError } from 'xlink/errors';
import { combineShares, HMAC_KEY_LENGTH, splitSecret } from 'xlink/split';
import { required, UsageError } from './arguments.js';
import { readHexFile, readSecretFile, writeSecretFile } from './keys.js';
import { EXIT, type Output } from './output.js';
import { MASTER_SECRET_LENGTH, masterSecretId } from './seeds.js';

const crypto = createNodeCrypto();

export async function custodyCommand(argv: readonly string[], output: Output): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      threshold: { type: 'string' },
      shares: { type: 'string' },
      out: { type: 'string' },
      secret: { type: 'string' },
      'hmac-key': { type: 'string' },
      json: { type: 'boolean' },
      jsonl: { type: 'boolean' },
    },
  });
  if (sub === 'split') {
    const out = required(values.out, '--out');
    const k = Number(required(values.threshold, '--threshold'));
    const n = Number(required(values.shares, '--shares'));
    const secret =
      values.secret === undefined
        ? crypto.randomBytes(MASTER_SECRET_LENGTH)
        : await readSecretFile(values.secret, 'master secret');
    const split = await splitSecret(secret, { k, n }, { crypto });
    const masterId = await masterSecretId(secret, crypto);
    secret.fill(0);
    await mkdir(out, { recursive: true, mode: 0o700 });
    const files = split.shares.map((_, index) => join(out, `share-${index + 1}-of-${n}.share`));
    for (const [index, share] of split.shares.entries()) await writeSecretFile(files[index] as string, share);
    const hmacKey = join(out, 'hmac.key');
    await writeSecretFile(hmacKey, split.hmacKey);
    const result = { masterId, k, n, group: bytesToHex(split.groupId), shares: files, hmacKey };
    output.document(
      result,
      `master ${masterId}: ${n} shares, any ${k} combine it\n${files.map((file) => `  ${file}`).join('\n')}\n  hmac key ${hmacKey} (keep apart from the shares)`,
    );
    return EXIT.ok;
  }
  if (sub === 'combine') {
    if (positionals.length === 0) throw new UsageError('combine takes the share files');
    const secret = await combineShareFiles(positionals, required(values['hmac-key'], '--hmac-key'));
    const masterId = await masterSecretId(secret, crypto);
    if (values.out !== undefined) await writeSecretFile(values.out, secret);
    secret.fill(0);
    const result = { masterId, shares: positionals.length, ...(values.out === undefined ? {} : { out: values.out }) };
    output.document(
      result,
      `master ${masterId}: the shares combine${values.out === undefined ? '' : `; written to ${values.out}`}`,
    );
    return EXIT.ok;
  }
  throw new UsageError(`unknown custody command ${JSON.stringify(sub)} (split or combine)`);
}

/** The master secret from share files; the split's own codes (HMAC_VERIFICATION_FAILED, INSUFFICIENT_SHARES, …) on failure. */
export async function combineShareFiles(paths: readonly string[], hmacKeyPath: string): Promise<Uint8Array> {
  const hmacKey = await readHexFile(hmacKeyPath, 'hmac key', HMAC_KEY_LENGTH);
  const shares = await Promise.all(paths.map((path) => readHexFile(path, 'share')));
  const combined = await combineShares(shares, { crypto, hmacKey });
  if (!combined.ok) throw xlinkError(combined.error.code, combined.error.message);
  if (combined.value.length !== MASTER_SECRET_LENGTH) {
    throw xlinkError(
      'PROVISION_INPUT_INVALID',
      `the shares combine to ${combined.value.length} bytes, not a master secret`,
    );
  }
  return combined.value;
}
