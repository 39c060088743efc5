/**
 * An in-process transport: every envelope sent is kept in `outbox` and handed
 * to the registered handlers. For tests, examples and agents in one process.
 *
 *   const transport = new LoopbackTransport();
 *   await alice.send({ to: bob.did, payload, scope: 'chat' }); // uses transport
 *   await bob.receive(transport.outbox[0]);
 *
 * Limits: nothing leaves the process; `outbox` grows until cleared
 * (`outbox.length = 0`). A handler that throws makes that `send` fail with
 * SEND_FAILED, the error as its cause; the envelope stays in the outbox.
 */
import { attempt, type Result, xlinkError } from '../errors.js';
import type { EnvelopeHandler, TransportAdapter, TransportEnvelope } from './transport.js';

export interface SentEnvelope {
  readonly envelope: TransportEnvelope;
  readonly to: string;
}

export class LoopbackTransport implements TransportAdapter {
  /** Every envelope sent, oldest first, exactly as given to `send`. */
  readonly outbox: TransportEnvelope[] = [];
  /** The same envelopes with their destination DIDs. */
  readonly sent: SentEnvelope[] = [];
  private readonly handlers: EnvelopeHandler[] = [];
  private disposed = false;

  async send(envelope: TransportEnvelope, to: string): Promise<Result<void>> {
    return attempt(async () => {
      if (this.disposed) throw xlinkError('SEND_FAILED:CLOSED', 'the loopback transport was disposed');
      this.outbox.push(envelope);
      this.sent.push({ envelope, to });
      for (const handler of this.handlers) {
        try {
          handler(envelope);
        } catch (error) {
          throw xlinkError('SEND_FAILED', `a receive handler threw: ${String(error)}`, { cause: error });
        }
      }
    });
  }

  onReceive(handler: EnvelopeHandler): void {
    this.handlers.push(handler);
  }

  dispose(): void {
    this.disposed = true;
    this.handlers.length = 0;
  }
}
