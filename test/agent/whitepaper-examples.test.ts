// The white paper's two multi-agent examples run as written (see the .mjs
// files for the only changes), with what they print captured and checked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';

interface Printer {
  log(...values: unknown[]): void;
}

function capture(): { console: Printer; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    console: { log: (...values) => lines.push(values.map((v) => (typeof v === 'string' ? v : inspect(v))).join(' ')) },
  };
}

test('Alice and Bob: peer-to-peer messaging', async () => {
  const { default: run } = (await import(new URL('./whitepaper/alice-and-bob.mjs', import.meta.url).href)) as {
    default: (c: Printer) => Promise<void>;
  };
  const { console, lines } = capture();
  await run(console);
  const [aliceLine, bobLine, from, payload, scope, reply] = lines as [string, string, string, string, string, string];
  const aliceDid = aliceLine.replace('Alice DID: ', '');
  assert.match(aliceDid, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/);
  assert.match(bobLine, /^Bob DID: did:key:z6Mk/);
  assert.equal(from, `From: ${aliceDid}`);
  assert.equal(payload, "Payload: { type: 'greeting', text: 'Hello Bob!' }");
  assert.equal(scope, 'Scope: chat');
  assert.equal(reply, 'Bob says: Hi Alice!');
  assert.equal(lines.length, 6);
});

test('Payment and Billing: service-to-service', async () => {
  const { default: run } = (await import(new URL('./whitepaper/payment-and-billing.mjs', import.meta.url).href)) as {
    default: (c: Printer) => Promise<{
      paymentService: { did: string; receive(e: unknown): Promise<{ ok: boolean; value?: { payload: unknown } }> };
      transport: { outbox: unknown[] };
    }>;
  };
  const { console, lines } = capture();
  const { paymentService, transport } = await run(console);
  assert.deepEqual(lines, [`Transaction from: ${paymentService.did}`, 'Amount: $99.5']);
  const confirmation = await paymentService.receive(transport.outbox[1]);
  assert.ok(confirmation.ok);
  assert.deepEqual(confirmation.value?.payload, { status: 'recorded', invoiceId: 'inv_2024_001' });
});
