/**
 * Per-device order for the gateway's pipeline, while deliveries of many
 * devices, and several of one device, are in flight at once: a message of a
 * device spends its replay token only after the device's previous message
 * settled its token, and reaches the sinks only after the previous one was
 * forwarded (or refused). Everything else (verification, the ledger claim,
 * the mark, the PUBACK) overlaps freely.
 *
 *   const turn = turns.take(deviceId);      // in arrival order
 *   await turn.spend.previous; …spend…; turn.spend.release();
 *   await turn.forward.previous; …forward…; turn.forward.release();
 *   turn.done();                            // releases whatever this message still holds
 *
 * Why the token too: a counter window accepts counters out of order only
 * within its width; messages retried after a store outage, each on its own
 * backoff, would otherwise spend in any order and push older counters out.
 */
export interface Gate {
  /** Resolves once the device's previous message released this gate. */
  readonly previous: Promise<void>;
  release(): void;
}

export interface Turn {
  readonly spend: Gate;
  readonly forward: Gate;
  done(): void;
}

interface Tails {
  readonly spend: Promise<void>;
  readonly forward: Promise<void>;
}

const settled = Promise.resolve();

function gate(previous: Promise<void>): Gate & { readonly tail: Promise<void> } {
  let release = (): void => {};
  const mine = new Promise<void>((resolve) => (release = resolve));
  return { previous, release: () => release(), tail: previous.then(() => mine) };
}

export class DeviceTurns {
  readonly #tails = new Map<string, Tails>();

  take(device: string): Turn {
    const before = this.#tails.get(device);
    const spend = gate(before?.spend ?? settled);
    const forward = gate(before?.forward ?? settled);
    const tails: Tails = { spend: spend.tail, forward: forward.tail };
    this.#tails.set(device, tails);
    return {
      spend,
      forward,
      done: () => {
        spend.release();
        forward.release();
        if (this.#tails.get(device) === tails) this.#tails.delete(device);
      },
    };
  }
}
