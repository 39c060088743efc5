// Runs one script in a fresh Moddable XS worker (@agoric/xsnap) and prints
// {"value": …, "meter": …} on stdout. A child process of its own, because
// xsnap's JavaScript wrapper needs SES lockdown (@endo/init), which freezes
// the intrinsics of whatever process imports it: never the test runner's.
//
//   echo '{"script":"…","result":"JSON.stringify(…)"}' | node test/devices/xsnap-child.mjs
import '@endo/init';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { type as osType } from 'node:os';
import { xsnap } from '@agoric/xsnap';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { script, result } = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const worker = await xsnap({
  os: osType(),
  spawn,
  // tmpName serves snapshots to files, which this run never takes.
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
try {
  const loaded = await worker.evaluate(script);
  const ran = await worker.evaluate(
    `globalThis.__result = ${result}; globalThis.handleCommand = () => new TextEncoder().encode(globalThis.__result).buffer;`,
  );
  const reply = await worker.issueStringCommand('result');
  process.stdout.write(
    JSON.stringify({
      value: JSON.parse(reply.reply),
      meter: { afterLoad: loaded.meterUsage, afterRun: ran.meterUsage },
    }),
  );
} finally {
  await worker.close();
}
