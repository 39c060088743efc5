/**
 * When each device sends: every device at `rate` readings per second, its
 * first reading offset so the fleet's sends spread evenly over one period,
 * each interval stretched or shortened by up to `jitter` (a fraction) from a
 * seeded generator, so a run is the same run every time. Slots come out in
 * time order (a binary heap keyed by each device's next send).
 *
 *   const schedule = new Schedule({ devices: 100, rate: 2, jitter: 0.1, start: 0, seed: 1 });
 *   schedule.next();   // { device: 0, at: 0 }, { device: 1, at: 5 }, … in time order
 */
export interface ScheduleOptions {
  readonly devices: number;
  /** Readings per second per device. */
  readonly rate: number;
  /** 0 to 1: each interval is period × (1 ± jitter). */
  readonly jitter: number;
  /** The run clock's time of the first slot (ms). */
  readonly start: number;
  readonly seed: number;
}

export interface Slot {
  readonly device: number;
  readonly at: number;
}

export class Schedule {
  readonly #period: number;
  readonly #jitter: number;
  readonly #random: () => number;
  // Parallel heap arrays: the device and its next send time.
  readonly #devices: Int32Array;
  readonly #times: Float64Array;
  readonly #size: number;

  constructor(options: ScheduleOptions) {
    this.#period = 1000 / options.rate;
    this.#jitter = options.jitter;
    this.#random = seededRandom(options.seed);
    this.#size = options.devices;
    this.#devices = new Int32Array(options.devices);
    this.#times = new Float64Array(options.devices);
    // Offsets increase with the index, so the array is a valid heap as built.
    for (let i = 0; i < options.devices; i++) {
      this.#devices[i] = i;
      this.#times[i] = options.start + (this.#period * i) / options.devices;
    }
  }

  /** The next slot in time order (ties: lower device first, by construction). */
  next(): Slot {
    const device = this.#devices[0] as number;
    const at = this.#times[0] as number;
    const stretch = 1 + this.#jitter * (2 * this.#random() - 1);
    this.#times[0] = at + this.#period * stretch;
    this.#siftDown();
    return { device, at };
  }

  #siftDown(): void {
    const devices = this.#devices;
    const times = this.#times;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < this.#size && before(times, devices, left, least)) least = left;
      if (right < this.#size && before(times, devices, right, least)) least = right;
      if (least === i) return;
      swap(devices, i, least);
      swap(times, i, least);
      i = least;
    }
  }
}

function before(times: Float64Array, devices: Int32Array, a: number, b: number): boolean {
  const ta = times[a] as number;
  const tb = times[b] as number;
  return ta < tb || (ta === tb && (devices[a] as number) < (devices[b] as number));
}

function swap(array: Int32Array | Float64Array, a: number, b: number): void {
  const t = array[a] as number;
  array[a] = array[b] as number;
  array[b] = t;
}

/** mulberry32: a small, fast, seeded generator in [0, 1); for schedules, never for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
