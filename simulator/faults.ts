/**
 * Faults by percentage of the readings sent, and the outcome each must
 * produce at the gateway (docs/simulator.md, "Faults"):
 *
 *   parseFaultMix('replay=1,stale=0.5')   // { replay: 1, stale: 0.5 }
 *   parseFaultMix('every')                // every kind at 1 %
 *   const plan = new FaultPlan(mix);
 *   plan.next((kind) => canInjectHere(kind));   // the kind for this reading slot, or undefined (a valid reading)
 *
 * The plan is exact, not random: after n slots each kind is owed
 * round(n · p / 100) of them (the first half a period in, so kinds due at
 * the same slot queue up and still all fit), taken as soon as it can be
 * injected, spread evenly; a run's per-reason counts are known in advance
 * and a test can assert them exactly.
 */
import { quote, xlinkError } from 'xlink/errors';
import { FAULT_KINDS, type FaultKind } from './run-result.js';

export type FaultMix = Readonly<Partial<Record<FaultKind, number>>>;

/**
 * The gateway outcome each fault must produce: its dead-letter reason segment
 * (dlq/{app}/{reason}/{deviceId}), or 'duplicate' (acknowledged, not
 * forwarded, counted by xlink_gateway_messages_duplicate_total).
 */
export const EXPECTED_OUTCOME: Readonly<Record<FaultKind, string>> = {
  // The device's previous reading again, byte for byte, inside the gateway's duplicate window.
  replay: 'duplicate',
  tampered: 'verification-failed.signature-mismatch',
  stale: 'timestamp-expired',
  future: 'timestamp-expired.future',
  // Counters the gateway accepted before, with new content, after a factory reset.
  'counter-rollback': 'replay-detected.counter',
  'unknown-device': 'verification-failed.unknown-kid',
  revoked: 'verification-failed.revoked',
  'wrong-scope': 'scope-denied',
  'topic-spoof': 'verification-failed.topic-mismatch',
  oversize: 'envelope-invalid.too-large',
  garbage: 'parse-failed.json',
};

/** Named mixes for `--faults NAME`. */
export const FAULT_MIXES: Readonly<Record<'none' | 'every' | 'attacks' | 'clocks', FaultMix>> = {
  none: {},
  every: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 1])),
  attacks: { replay: 1, tampered: 1, 'unknown-device': 0.5, revoked: 0.5, 'topic-spoof': 0.5, 'wrong-scope': 0.5 },
  clocks: { stale: 1, future: 1 },
};

export function parseFaultMix(text: string): FaultMix {
  if (Object.hasOwn(FAULT_MIXES, text)) return FAULT_MIXES[text as keyof typeof FAULT_MIXES];
  const mix: Partial<Record<FaultKind, number>> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const [name, value, ...rest] = part.split('=');
    const kind = (name ?? '').trim();
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw invalid(
        `unknown fault ${quote(kind)}: expected one of ${FAULT_KINDS.join(', ')} or a mix (${Object.keys(FAULT_MIXES).join(', ')})`,
      );
    }
    const percent = Number(value);
    if (rest.length > 0 || value === undefined || value.trim() === '' || !Number.isFinite(percent) || percent < 0) {
      throw invalid(`fault ${kind}: expected a percentage, got ${quote(value ?? '')}`);
    }
    if (Object.hasOwn(mix, kind)) throw invalid(`fault ${kind} given twice`);
    mix[kind as FaultKind] = percent;
  }
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  if (total > 100) throw invalid(`the fault percentages add up to ${total} %, more than 100 %`);
  return mix;
}

export class FaultPlan {
  readonly #mix: readonly (readonly [FaultKind, number])[];
  readonly #taken = new Map<FaultKind, number>();
  #slots = 0;

  constructor(mix: FaultMix) {
    this.#mix = FAULT_KINDS.flatMap((kind) => {
      const percent = mix[kind] ?? 0;
      return percent > 0 ? [[kind, percent] as const] : [];
    });
  }

  /** Injections owed to `kind` after `slots` reading slots. */
  static owed(percent: number, slots: number): number {
    // Rounded to 1e-9 first: 0.5 % of 300 is 1.5, not 1.49999… rounded down.
    return Math.floor(Math.round(((slots * percent) / 100) * 1e9) / 1e9 + 0.5);
  }

  /** The fault for the next reading slot, or undefined for a valid reading; `possible` says where a kind can go now. */
  next(possible: (kind: FaultKind) => boolean): FaultKind | undefined {
    this.#slots++;
    for (const [kind, percent] of this.#mix) {
      const taken = this.#taken.get(kind) ?? 0;
      if (taken < FaultPlan.owed(percent, this.#slots) && possible(kind)) {
        this.#taken.set(kind, taken + 1);
        return kind;
      }
    }
    return undefined;
  }

  /** Injections planned so far per kind. */
  get taken(): ReadonlyMap<FaultKind, number> {
    return this.#taken;
  }
}

function invalid(message: string): Error {
  return xlinkError('INVALID_ARGUMENT:SIMULATOR_CONFIG', message, { field: 'faults' });
}
