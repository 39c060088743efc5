/**
 * Progress events of `agent.send` and `agent.receive` (white paper,
 * "Progress Callbacks"). `current`/`total` count shares; a plain envelope is
 * one share, a split-channel message several.
 *
 *   await agent.send({ to, payload, onProgress: (e) => console.log(e.stage) });
 *   // resolving, encrypting, signing, sending (1/1), complete
 *   // split in n shares: resolving, encrypting, signing (i/n), sending (i/n) per share, complete;
 *   // receiving a share: parsing, verifying, decrypting, reconstructing (held/k), complete with the k-th
 */

export type SendStage = 'resolving' | 'encrypting' | 'signing' | 'sending' | 'complete';
export type ReceiveStage = 'parsing' | 'verifying' | 'decrypting' | 'reconstructing' | 'complete';

export interface ProgressEvent<Stage extends string> {
  readonly stage: Stage;
  readonly current: number;
  readonly total: number;
}

/** Awaited before the operation continues; an exception it throws propagates to the caller. */
export type ProgressHandler<Stage extends string> = (event: ProgressEvent<Stage>) => void | Promise<void>;

/** Calls the handler if there is one; undefined otherwise, so a caller without one awaits nothing. */
export function report<Stage extends string>(
  handler: ProgressHandler<Stage> | undefined,
  stage: Stage,
  current = 1,
  total = 1,
): void | Promise<void> {
  if (handler !== undefined) return handler({ stage, current, total });
}
