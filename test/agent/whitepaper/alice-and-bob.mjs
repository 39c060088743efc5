// The white paper's "Alice and Bob: Peer-to-Peer Messaging" example, verbatim
// except for the import path (and `export default async function` around it,
// so the test can run it and read what it printed).
import { Agent, LoopbackTransport, MemoryTrustRegistry } from '../../../src/index.node.ts';

export default async function run(console) {
  // Shared infrastructure (in production, use HttpTrustRegistry + HttpsTransportAdapter)
  const registry = new MemoryTrustRegistry();
  const transport = new LoopbackTransport();

  // Alice creates her identity
  const alice = await Agent.quickstart({
    name: 'Alice',
    registry,
    transport,
  });
  console.log(`Alice DID: ${alice.did}`);
  // Alice DID: did:key:z6MksZP8ChwZYSNgozYq...

  // Bob creates his identity
  const bob = await Agent.quickstart({
    name: 'Bob',
    registry,
    transport,
  });
  console.log(`Bob DID: ${bob.did}`);
  // Bob DID: did:key:z6MkpH7eQ2KvYnPWbD...

  // Alice sends a message to Bob
  const sendResult = await alice.send({
    to: bob.did,
    payload: { type: 'greeting', text: 'Hello Bob!' },
    scope: 'chat',
  });

  if (!sendResult.ok) {
    throw new Error(`Send failed: ${sendResult.error}`);
  }

  // Bob receives and verifies the message
  const envelope = transport.outbox[0];
  const receiveResult = await bob.receive(envelope);

  if (!receiveResult.ok) {
    throw new Error(`Receive failed: ${receiveResult.error}`);
  }

  console.log(`From: ${receiveResult.value.sender}`);
  // From: did:key:z6MksZP8ChwZYSNgozYq...
  console.log(`Payload:`, receiveResult.value.payload);
  // Payload: { type: 'greeting', text: 'Hello Bob!' }
  console.log(`Scope: ${receiveResult.value.scope}`);
  // Scope: chat

  // Bob replies to Alice
  await bob.send({
    to: alice.did,
    payload: { type: 'response', text: 'Hi Alice!' },
    scope: 'chat',
  });

  // Alice receives Bob's reply
  const reply = await alice.receive(transport.outbox[1]);
  console.log(`Bob says: ${reply.value.payload.text}`);
  // Bob says: Hi Alice!
}
