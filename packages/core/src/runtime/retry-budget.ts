export interface RetryBudgetOptions {
  /** Retries earned per original call: 0.2 lets retries add at most 20 % load. */
  readonly ratio?: number;
  /** Retries always allowed per second, so a low-traffic client can still retry. */
  readonly minPerSecond?: number;
  /** The most retries that can be saved up. */
  readonly max?: number;
}

/**
 * Finagle-style retry budget: every call deposits `ratio` of a retry, every retry withdraws one,
 * and a small allowance accrues with time. When providers fail together, retries stop at the
 * budget instead of multiplying the outage.
 */
export class RetryBudget {
  private balance: number;
  private last = Date.now();
  private readonly ratio: number;
  private readonly minPerSecond: number;
  private readonly max: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? 0.2;
    this.minPerSecond = options.minPerSecond ?? 10;
    this.max = options.max ?? 100;
    this.balance = this.minPerSecond;
  }

  deposit(): void {
    this.balance = Math.min(this.max, this.balance + this.ratio);
  }

  tryWithdraw(now = Date.now()): boolean {
    this.balance = Math.min(this.max, this.balance + ((now - this.last) / 1000) * this.minPerSecond);
    this.last = now;
    if (this.balance < 1) return false;
    this.balance -= 1;
    return true;
  }
}
