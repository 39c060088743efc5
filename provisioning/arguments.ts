/** Command-line helpers shared by the provision and registry commands. */
import { readFile } from 'node:fs/promises';
import { type XlinkError, xlinkError } from 'xlink/errors';

/** A mistake in the command line: exit code 2 and the usage text. */
export class UsageError extends Error {}

export function required(value: string | undefined, option: string): string {
  if (value === undefined || value.length === 0) throw new UsageError(`${option} is required`);
  return value;
}

export async function readInput(path: string): Promise<string>;
export async function readInput(path: string, as: 'bytes'): Promise<Uint8Array>;
export async function readInput(path: string, as?: 'bytes'): Promise<string | Uint8Array> {
  try {
    const bytes = await readFile(path);
    return as === 'bytes' ? new Uint8Array(bytes) : bytes.toString('utf8');
  } catch (error) {
    throw xlinkError('PROVISION_INPUT_INVALID', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code}`, {
      field: 'path',
      cause: error,
    }) as XlinkError;
  }
}
