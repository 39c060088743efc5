/**
 * Where a fleet's devices come from, through the factory tool itself
 * (provisioning/), never a second implementation of it:
 *
 * - a provisioning manifest and its artifacts folder: the secrets of each
 *   serial decoded from its artifact (`decodeArtifact`); the registry is the
 *   operator's, already imported;
 * - generated: `xlink provision` makes the batch in a folder (seeds from its
 *   random source) and `xlink registry import` signs it into a
 *   FileTrustRegistry, exactly as a factory does.
 *
 * Revocation mid-run goes through `xlink registry revoke` as well.
 *
 *   const fleet = await provisionFleet({ dir, count: 100, batch: 'SIM', registry: { registryPath, operatorKeyPath } });
 *   const devices = await loadManifestFleet('B7/manifest.jsonl', 'B7/artifacts');
 *   await revokeInRegistry({ registryPath, operatorKeyPath }, did);
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { quote, xlinkError } from 'xlink/errors';
import { ARTIFACT_EXTENSIONS, decodeArtifact } from '../provisioning/artifacts.js';
import { main as xlinkTool } from '../provisioning/cli.js';
import { parseManifest } from '../provisioning/manifest.js';
import type { FleetDeviceSecrets } from './fleet-device.js';

export interface FleetMember extends FleetDeviceSecrets {
  readonly did: string;
}

export interface RegistryAccess {
  readonly registryPath: string;
  /** The operator's key file, which signs every registry change. */
  readonly operatorKeyPath: string;
}

export const SIMULATOR_SCOPES: readonly string[] = ['telemetry'];

/** Provisions `count` devices into `dir/batch` and imports them into `registry`, when given. */
export async function provisionFleet(options: {
  readonly dir: string;
  readonly count: number;
  readonly batch: string;
  /** Where to import them; absent: provisioned only, never registered (an unknown device). */
  readonly registry?: RegistryAccess;
}): Promise<FleetMember[]> {
  const out = join(options.dir, options.batch);
  await tool(
    ['provision', '--product', 'sim', '--batch', options.batch, '--count', String(options.count)].concat([
      '--scopes',
      SIMULATOR_SCOPES.join(','),
      '--out',
      out,
      '--format',
      'bin',
    ]),
  );
  const manifest = join(out, 'manifest.jsonl');
  if (options.registry !== undefined) await importManifest(options.registry, manifest);
  return loadManifestFleet(manifest, join(out, 'artifacts'));
}

/** `xlink registry import` (idempotent: entries already there are counted, not refused). */
export async function importManifest(registry: RegistryAccess, manifestPath: string): Promise<void> {
  const { registryPath, operatorKeyPath } = registry;
  await tool([
    'registry',
    'import',
    manifestPath,
    '--registry',
    registryPath,
    '--operator-key',
    operatorKeyPath,
    '--create',
  ]);
}

/** A new operator key file (`xlink provision keygen`). */
export async function createOperatorKey(path: string): Promise<void> {
  await tool(['provision', 'keygen', '--out', path]);
}

/** Each manifest entry with the secrets its artifact holds (any artifact form, by serial and extension). */
export async function loadManifestFleet(manifestPath: string, artifactsDir: string): Promise<FleetMember[]> {
  const entries = parseManifest(await readFile(manifestPath, 'utf8'));
  const files = new Set(await readdir(artifactsDir));
  const members: FleetMember[] = [];
  for (const entry of entries) {
    const name = Object.values(ARTIFACT_EXTENSIONS)
      .map((extension) => `${entry.serial}${extension}`)
      .find((file) => files.has(file));
    if (name === undefined) {
      throw xlinkError(
        'INVALID_ARGUMENT:SIMULATOR_CONFIG',
        `no artifact for serial ${quote(entry.serial)} in ${artifactsDir} (sealed artifacts must be opened first)`,
        { field: 'artifacts' },
      );
    }
    const artifact = decodeArtifact(new Uint8Array(await readFile(join(artifactsDir, name))));
    members.push({
      serial: entry.serial,
      did: entry.did,
      seed: artifact.seed,
      ...(artifact.ed25519Seed === undefined ? {} : { ed25519Seed: artifact.ed25519Seed }),
      ...(artifact.kid === undefined ? {} : { kid: artifact.kid }),
    });
  }
  return members;
}

export async function revokeInRegistry(registry: RegistryAccess, did: string): Promise<void> {
  await tool([
    'registry',
    'revoke',
    did,
    '--reason',
    'xlink simulate: revoked during the run',
    '--registry',
    registry.registryPath,
    '--operator-key',
    registry.operatorKeyPath,
  ]);
}

/** Runs an `xlink provision` / `xlink registry` command in this process; its output is kept for the error. */
async function tool(argv: readonly string[]): Promise<void> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const code = await xlinkTool(argv, { stdout: sink, stderr: sink, env: {} });
  if (code !== 0) {
    throw xlinkError(
      'INVALID_ARGUMENT:SIMULATOR_CONFIG',
      `xlink ${argv.slice(0, 2).join(' ')} failed (exit ${code}): ${quote(text)}`,
      {
        field: argv[0] as string,
      },
    );
  }
}
