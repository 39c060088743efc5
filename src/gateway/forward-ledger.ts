/**
 * The forward ledger: what the gateway has decided about each message it
 * accepted, by sender and replay token, so that a message redelivered after a
 * crash or a reconnect is recognised as a duplicate (not forwarded again, not
 * called an attack) and one accepted but not yet forwarded is forwarded.
 *
 *   const claim = await ledger.claim(id, owner, now, digest);   // before spending the token
 *   // claim.state 'claimed': ours, new; 'resume': ours (or a dead owner's) from before (claim.since), forward it;
 *   // 'busy': another gateway is forwarding it now, ask again; 'forwarded': a duplicate;
 *   // 'conflict': the id is known with other signed content (a reused counter or nonce)
 *   await ledger.forwarded(id, digest);                 // after every sink took it, before the PUBACK
 *   await ledger.release(id, owner);                    // the replay store refused it after all
 *
 * Per message: claim (durable) → spend the replay token → forward → mark
 * forwarded (durable) → acknowledge. A crash before the claim leaves nothing;
 * between the claim and the mark, the redelivery resumes the claim (the
 * owner is the gateway's stable client id, so a restarted gateway resumes its
 * own claims at once, and another one after `leaseMs`). Limits: a crash
 * after a sink took the message but before the mark is written forwards it
 * again on redelivery, flagged `resumed` (the JSONL and Redis Stream sinks
 * then drop the copy they hold; the republish and webhook sinks cannot, and
 * every record carries its `id` for downstream de-duplication); a forwarded mark is kept `retentionMs`, after which a
 * redelivery meets the replay store's REPLAY_DETECTED and is dead-lettered,
 * never forwarded.
 *
 * `digest` is the SHA-256 (hex) of the message's signed bytes, which are
 * canonical: every spelling of one signed message has the same, a device that
 * reuses a counter or nonce with new content (a factory reset, a clone) has
 * another, and its message is refused as a replay, never acknowledged as a
 * duplicate.
 */
import type { Result } from '../errors.js';

export type ClaimState = 'claimed' | 'resume' | 'busy' | 'forwarded' | 'conflict';

export interface ClaimOutcome {
  readonly state: ClaimState;
  /** 'resume': when the earlier claim was made (ms since the epoch), for sinks that look for a copy they took. */
  readonly since?: number;
}

export interface ForwardLedger {
  claim(id: string, owner: string, now: number, digest: string): Promise<Result<ClaimOutcome>>;
  forwarded(id: string, digest: string): Promise<Result<void>>;
  release(id: string, owner: string): Promise<Result<void>>;
  close(): Promise<void>;
}

export interface ForwardLedgerOptions {
  /** How long a forwarded mark is kept: the window in which a redelivery is a duplicate. */
  readonly retentionMs: number;
  /** How long a claim blocks other gateways before they may take it over. */
  readonly leaseMs: number;
}
