// The white paper's "Service-to-Service Communication" example. Verbatim but
// for the import path and two substitutions: HttpTrustRegistry and
// HttpsTransportAdapter do not exist yet, so the shared infrastructure is a
// MemoryTrustRegistry and a LoopbackTransport; and the example never says where
// `envelope` comes from, so it is read from the loopback outbox.
import { Agent, LoopbackTransport, MemoryTrustRegistry } from '../../../src/index.node.ts';

export default async function run(console) {
  // Shared infrastructure
  const registry = new MemoryTrustRegistry();
  const transport = new LoopbackTransport();

  // Payment service creates its identity
  const paymentService = await Agent.quickstart({
    name: 'payment-service',
    registry,
    transport,
  });

  // Billing service creates its identity
  const billingService = await Agent.quickstart({
    name: 'billing-service',
    registry,
    transport,
  });

  // Payment service notifies Billing about a completed transaction
  await paymentService.send({
    to: billingService.did,
    payload: {
      transactionId: 'txn_abc123',
      amount: 99.5,
      currency: 'USD',
      customerId: 'cust_xyz789',
    },
    scope: 'payment:notify',
  });

  // Billing service receives and processes the notification
  const envelope = transport.outbox[0];
  const txn = await billingService.receive(envelope);
  console.log(`Transaction from: ${txn.value.sender}`);
  console.log(`Amount: $${txn.value.payload.amount}`);

  // Billing service sends confirmation back to Payment service
  await billingService.send({
    to: paymentService.did,
    payload: {
      status: 'recorded',
      invoiceId: 'inv_2024_001',
    },
    scope: 'billing:confirm',
  });

  return { paymentService, billingService, transport };
}
