export interface BackoffOptions {
  /** First delay, ms. */
  readonly initial?: number;
  /** Largest delay, ms. */
  readonly max?: number;
  readonly multiplier?: number;
  /** ± fraction of randomness, so a fleet does not reconnect in lockstep. */
  readonly jitter?: number;
}

/** Exponential backoff with jitter, as grpc-js' connection backoff. */
export class Backoff {
  private attempt = 0;
  private readonly initial: number;
  private readonly max: number;
  private readonly multiplier: number;
  private readonly jitter: number;

  constructor(options: BackoffOptions = {}) {
    this.initial = options.initial ?? 100;
    this.max = options.max ?? 10_000;
    this.multiplier = options.multiplier ?? 1.6;
    this.jitter = options.jitter ?? 0.2;
  }

  next(): number {
    const base = Math.min(this.max, this.initial * this.multiplier ** this.attempt++);
    return Math.round(base * (1 + this.jitter * (Math.random() * 2 - 1)));
  }

  reset(): void {
    this.attempt = 0;
  }
}
