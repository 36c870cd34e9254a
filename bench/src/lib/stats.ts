/** Latency samples in milliseconds, kept in growable Float64Array chunks (millions of samples stay cheap). */
export class LatencyRecorder {
  #chunks: Float64Array[] = [];
  #current = new Float64Array(1 << 16);
  #used = 0;

  add(ms: number): void {
    if (this.#used === this.#current.length) {
      this.#chunks.push(this.#current);
      this.#current = new Float64Array(1 << 16);
      this.#used = 0;
    }
    this.#current[this.#used++] = ms;
  }

  get count(): number {
    return this.#chunks.length * (1 << 16) + this.#used;
  }

  /** p50/p95/p99/max of the samples so far; zeros when there are none. */
  summary(): LatencySummary {
    const all = new Float64Array(this.count);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    all.set(this.#current.subarray(0, this.#used), at);
    all.sort();
    return { count: all.length, p50: quantile(all, 0.5), p95: quantile(all, 0.95), p99: quantile(all, 0.99), max: all.length ? all[all.length - 1]! : 0 };
  }
}

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank quantile of sorted samples. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** Rounds for reports: 2 decimals under 10, 1 under 1000, integers above. */
export function round(n: number): number {
  if (!Number.isFinite(n)) return n;
  const abs = Math.abs(n);
  const digits = abs < 10 ? 2 : abs < 1000 ? 1 : 0;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Measures this process's CPU over a phase, as a percentage of one core. */
export class CpuMeter {
  #start = process.cpuUsage();
  #t0 = performance.now();

  /** Percent of one core used since construction (user + system). */
  percent(): number {
    const used = process.cpuUsage(this.#start);
    const wallMs = performance.now() - this.#t0;
    return wallMs > 0 ? ((used.user + used.system) / 1000 / wallMs) * 100 : 0;
  }
}
