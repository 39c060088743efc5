/**
 * One derivation thread of a batch (a worker_threads Worker, started by
 * derive-pool.ts): derives the devices it is sent, with the node backend,
 * and posts back their manifest entries and clear artifacts. It writes
 * nothing and keeps nothing: each seed and artifact is zeroed here once
 * posted (postMessage copies synchronously).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createNodeCrypto } from 'xlink/crypto/node';
import { type ErrorDetail, isXlinkError } from 'xlink/errors';
import { type DerivedDevice, type DeviceJob, type DeviceSpec, deriveDevice } from './device.js';

export interface DeriveRequest {
  readonly id: number;
  readonly jobs: readonly DeviceJob[];
}

export type DeriveReply =
  | { readonly id: number; readonly devices: readonly DerivedDevice[]; readonly ms: number }
  | { readonly id: number; readonly failure: ErrorDetail };

const port = parentPort;
if (port === null) throw new Error('derive-thread.ts runs as a worker thread');
const spec = workerData as DeviceSpec;
const crypto = createNodeCrypto();

// Requests come in batches (WorkerPool): usually one, a group's share for this thread.
port.on('message', async (requests: readonly DeriveRequest[] | 'close') => {
  if (requests === 'close') {
    port.close();
    return;
  }
  for (const request of requests) await derive(request);
});

async function derive(request: DeriveRequest): Promise<void> {
  const begun = performance.now();
  const devices: DerivedDevice[] = [];
  try {
    for (const job of request.jobs) devices.push(await deriveDevice(job, spec, crypto));
    port?.postMessage({ id: request.id, devices, ms: performance.now() - begun } satisfies DeriveReply);
  } catch (error) {
    const failure: ErrorDetail = isXlinkError(error)
      ? { code: error.code, message: error.message }
      : { code: 'PROVISION_IO_FAILED', message: `a derivation thread failed: ${(error as Error).message}` };
    port?.postMessage({ id: request.id, failure } satisfies DeriveReply);
  } finally {
    for (const job of request.jobs) job.seed.fill(0);
    for (const device of devices) device.artifact.fill(0);
  }
}
port.postMessage('ready');
