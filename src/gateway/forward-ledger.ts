/**
 * The forward ledger: what the gateway has decided about each message it
 * accepted, by sender and replay token, so that a message redelivered after a
 * crash or a reconnect is recognised as a duplicate (not forwarded again, not
 * called an attack) and one accepted but not yet forwarded is forwarded.
 *
 *   const claim = await ledger.claim(id, owner, now);   // before spending the token
 *   // 'claimed': ours, new; 'resume': ours (or a dead owner's) from before, forward it;
 *   // 'busy': another gateway is forwarding it now, ask again; 'forwarded': a duplicate
 *   await ledger.forwarded(id);                         // after every sink took it, before the PUBACK
 *   await ledger.release(id, owner);                    // the replay store refused it after all
 *
 * Per message: claim (durable) → spend the replay token → forward → mark
 * forwarded (durable) → acknowledge. A crash before the claim leaves nothing;
 * between the claim and the mark, the redelivery resumes the claim (the
 * owner is the gateway's stable client id, so a restarted gateway resumes its
 * own claims at once, and another one after `leaseMs`). Limits: a crash
 * after a sink took the message but before the mark is written forwards it
 * again on redelivery (every record carries its `id` for downstream
 * de-duplication); a forwarded mark is kept `retentionMs`, after which a
 * redelivery meets the replay store's REPLAY_DETECTED and is dead-lettered,
 * never forwarded.
 */
import type { Result } from '../errors.js';

export type ClaimOutcome = 'claimed' | 'resume' | 'busy' | 'forwarded';

export interface ForwardLedger {
  claim(id: string, owner: string, now: number): Promise<Result<ClaimOutcome>>;
  forwarded(id: string): Promise<Result<void>>;
  release(id: string, owner: string): Promise<Result<void>>;
  close(): Promise<void>;
}

export interface ForwardLedgerOptions {
  /** How long a forwarded mark is kept: the window in which a redelivery is a duplicate. */
  readonly retentionMs: number;
  /** How long a claim blocks other gateways before they may take it over. */
  readonly leaseMs: number;
}
