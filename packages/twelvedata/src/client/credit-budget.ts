/**
 * The plan's credit allowance, shared by every request of a client: a per-UTC-day total
 * and a per-minute limit the server can never see exceeded, whichever minute it counts
 * a request in. The server counts a request at some instant between our send and our
 * receive, so a spend stays in the window from its send until one window after its
 * answer: then, for any server minute, the last request counted in it was booked while
 * every other request counted in it was still on our books.
 */
import { AppError } from '@ohlcv/core';

export interface CreditBudgetOptions {
  creditsPerMinute?: number;
  creditsPerDay?: number;
  /** Length of the rate-limit "minute" (tests use a shorter one). */
  minuteMs?: number;
  /** Added to the window for clock granularity. */
  safetyMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface CreditStats {
  spent: number;
  spentToday: number;
  waitedMs: number;
  waits: number;
}

export const DAILY_EXHAUSTED = 'TwelveDataDailyCreditsExhausted';

export class CreditBudget {
  readonly perMinute: number;
  readonly perDay: number;
  readonly minuteMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** `until`: when the answer came back (Infinity while in flight). */
  private spends: { until: number; credits: number }[] = [];
  private day = '';
  private dayCredits = 0;
  private exhaustedDay = '';
  private blockedUntil = 0;
  private queue: Promise<void> = Promise.resolve();
  readonly stats: CreditStats = { spent: 0, spentToday: 0, waitedMs: 0, waits: 0 };

  constructor(opts: CreditBudgetOptions = {}) {
    this.perMinute = opts.creditsPerMinute ?? Number.POSITIVE_INFINITY;
    this.perDay = opts.creditsPerDay ?? Number.POSITIVE_INFINITY;
    this.minuteMs = opts.minuteMs ?? 60_000;
    this.windowMs = this.minuteMs + (opts.safetyMs ?? Math.max(10, this.minuteMs * 0.01));
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Waits until `credits` fit in the window, then books them. Callers are served in
   * order so a large batch is not starved by a stream of small requests.
   */
  acquire(credits: number): Promise<() => void> {
    const turn = this.queue.then(() => this.book(credits));
    this.queue = turn.then(
      () => {},
      () => {},
    );
    return turn;
  }

  /** The server said the minute is spent (429 or `api-credits-left: 0`): hold off until it turns. */
  blockUntilNextWindow(): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + this.windowMs);
  }

  /** Server-reported usage: trust it when it says we have less room than we think. */
  observeServerCredits(left: number | undefined): void {
    if (left !== undefined && left <= 0) this.blockUntilNextWindow();
  }

  /** The server said the day is spent: refuse locally until the UTC day turns. */
  markDayExhausted(): void {
    this.rollDay();
    this.exhaustedDay = this.day;
  }

  private rollDay(): void {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.dayCredits = 0;
    }
  }

  private async book(credits: number): Promise<() => void> {
    if (credits > this.perMinute) {
      throw new AppError(
        'TwelveDataBatchTooLarge',
        `a request of ${credits} credits exceeds the per-minute limit`,
      );
    }
    for (;;) {
      this.rollDay();
      if (this.exhaustedDay === this.day || this.dayCredits + credits > this.perDay) {
        throw new AppError(DAILY_EXHAUSTED, 'Twelve Data daily API credits are exhausted', {
          retryable: false,
        });
      }
      const now = this.now();
      this.spends = this.spends.filter((x) => x.until > now - this.windowMs);
      const used = this.spends.reduce((sum, x) => sum + x.credits, 0);
      let waitMs = 0;
      if (now < this.blockedUntil) waitMs = this.blockedUntil - now;
      else if (used + credits > this.perMinute) {
        // Wait until enough answered spends slide out; requests in flight hold theirs.
        const poll = Math.max(5, this.minuteMs / 50);
        waitMs = poll;
        let free = this.perMinute - used;
        for (const x of this.spends
          .filter((y) => Number.isFinite(y.until))
          .sort((a, b) => a.until - b.until)) {
          free += x.credits;
          if (free >= credits) {
            waitMs = Math.max(1, x.until + this.windowMs - now + 1);
            break;
          }
        }
      }
      if (waitMs <= 0) {
        const spend = { until: Number.POSITIVE_INFINITY, credits };
        this.spends.push(spend);
        this.dayCredits += credits;
        this.stats.spent += credits;
        this.stats.spentToday = this.dayCredits;
        return () => {
          spend.until = Math.min(spend.until, this.now());
        };
      }
      this.stats.waits++;
      this.stats.waitedMs += waitMs;
      await this.sleep(waitMs);
    }
  }
}
