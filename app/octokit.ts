// The Octokit the app runs with: Probot's own (retry and throttling plugins on), except that
// secondary rate limits are retried. Probot 14's default throttle options only log a secondary
// limit and give up (lib/octokit/get-octokit-throttle-options.js), which would fail the review.
import { ProbotOctokit } from 'probot';

export interface RetryTuning {
  /** Secondary-rate-limit retries per request (GitHub's Retry-After is honoured). */
  secondaryRetries?: number;
  /** Milliseconds per second of back-off for both plugins (tests make it small). */
  backoffUnitMs?: number;
}

type Options = Record<string, unknown> & { throttle?: Record<string, unknown>; retry?: Record<string, unknown> };

export function appOctokit(tuning: RetryTuning = {}): typeof ProbotOctokit {
  const secondaryRetries = tuning.secondaryRetries ?? 2;
  const unit = tuning.backoffUnitMs;
  // A function default sees the options Probot built (its throttle handlers included) and can
  // override them; an object default would be overwritten by Probot's.
  return ProbotOctokit.defaults((instance: Options) => ({
    ...instance,
    retry: { ...instance.retry, ...(unit !== undefined ? { retryAfterBaseValue: unit } : {}) },
    throttle: {
      ...instance.throttle,
      ...(unit !== undefined ? { retryAfterBaseValue: unit } : {}),
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, octokit: { log: { warn(m: string): void } }, retryCount: number) => {
        const retry = retryCount < secondaryRetries;
        octokit.log.warn(`secondary rate limit on ${options.method} ${options.url}; ${retry ? `retrying in ${retryAfter} s` : 'giving up'}`);
        return retry;
      },
    },
  })) as typeof ProbotOctokit;
}
