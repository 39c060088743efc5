// Hosts Moddable XS machines (@agoric/xsnap workers, one OS process each) for
// a parent that must not load xsnap itself: xsnap's JavaScript wrapper needs
// SES lockdown (@endo/init), which freezes the intrinsics of whatever process
// imports it, never the simulator's or the test runner's. xsnap-workers.ts is
// the parent side.
//
// One JSON request per line on stdin, one reply per line on stdout, matched by id:
//   {"id":1,"op":"open"}                                → {"id":1,"worker":1,"pid":…}
//   {"id":2,"op":"evaluate","worker":1,"code":"…"}      → {"id":2,"meter":{…}}
//   {"id":3,"op":"command","worker":1,"text":"…"}       → {"id":3,"reply":"…","meter":{…}}
//   {"id":4,"op":"close","worker":1}                    → {"id":4}
// A failure answers {"id":…,"error":"…"}. End of stdin closes every worker and exits.
import '@endo/init';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { type as osType } from 'node:os';
import { createInterface } from 'node:readline';
import { xsnap } from '@agoric/xsnap';

const workers = new Map();
let nextWorker = 1;

async function open() {
  let pid;
  const worker = await xsnap({
    os: osType(),
    // The worker's pid, for the memory a session costs (bench).
    spawn: (...args) => {
      const child = spawn(...args);
      pid = child.pid;
      return child;
    },
    // tmpName serves snapshots to files, which these machines never take.
    fs: {
      ...fsPromises,
      createReadStream: fs.createReadStream,
      tmpName: () => Promise.reject(new Error('no snapshots')),
    },
    name: 'xlink-device',
    // No computation meter: a benchmark's batch of signatures outruns the default crank limit; the device sets its own pace.
    meteringLimit: 0,
    stderr: 'inherit',
  });
  const id = nextWorker++;
  workers.set(id, worker);
  return { worker: id, pid };
}

function workerOf(request) {
  const worker = workers.get(request.worker);
  if (worker === undefined) throw new Error(`no xsnap worker ${request.worker}`);
  return worker;
}

async function answer(request) {
  switch (request.op) {
    case 'open':
      return open();
    case 'evaluate':
      return { meter: (await workerOf(request).evaluate(request.code)).meterUsage };
    case 'command': {
      const { reply, meterUsage } = await workerOf(request).issueStringCommand(request.text);
      return { reply, meter: meterUsage };
    }
    case 'close': {
      const worker = workerOf(request);
      workers.delete(request.worker);
      await worker.close();
      return {};
    }
    default:
      throw new Error(`unknown op ${String(request.op).slice(0, 32)}`);
  }
}

const inFlight = new Set();
for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
  if (line.trim() === '') continue;
  const request = JSON.parse(line);
  // Requests to different workers run side by side; xsnap queues those to one worker itself.
  const replied = answer(request).then(
    (result) => ({ id: request.id, ...result }),
    (error) => ({ id: request.id, error: String(error?.message ?? error) }),
  );
  const written = replied.then((reply) => {
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    inFlight.delete(written);
  });
  inFlight.add(written);
}
await Promise.all(inFlight);
await Promise.all([...workers.values()].map((worker) => worker.close().catch(() => undefined)));
