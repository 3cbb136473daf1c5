// The in-process work queue: webhook handlers enqueue and return at once; jobs run with bounded
// concurrency, one at a time per pull request, keyed by PR and head SHA. A job for a PR's new head
// (a push) supersedes queued jobs for its older heads, and tells a running one to stop early.

export interface JobSignal {
  /** Set when a newer head SHA of the same PR was enqueued while this job ran. */
  supersededBy?: string;
}

export interface ReviewJob {
  /** "owner/repo#number". */
  pr: string;
  headSha: string;
  /** True for jobs that carry the PR's current head (pull_request events): they supersede older heads. */
  supersedes: boolean;
  run(signal: JobSignal): Promise<void>;
}

export type EnqueueResult = 'queued' | 'duplicate' | 'queue-full';

export interface QueueOptions {
  concurrency: number;
  /** Bound on waiting jobs; beyond it new work is refused (and logged by the caller). */
  maxPending: number;
  onError?: (job: ReviewJob, error: unknown) => void;
  onDropped?: (job: ReviewJob, reason: string) => void;
}

interface Running {
  job: ReviewJob;
  signal: JobSignal;
}

export class ReviewQueue {
  private readonly pending = new Map<string, ReviewJob>();
  private readonly running = new Map<string, Running>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: QueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error('queue concurrency must be a positive integer');
  }

  private static key(job: ReviewJob): string {
    return `${job.pr}@${job.headSha}`;
  }

  get size(): { pending: number; running: number } {
    return { pending: this.pending.size, running: this.running.size };
  }

  enqueue(job: ReviewJob): EnqueueResult {
    if (this.closed) return 'queue-full';
    const key = ReviewQueue.key(job);
    if (this.pending.has(key) || this.running.has(key)) return 'duplicate';
    if (job.supersedes) {
      for (const [otherKey, other] of this.pending) {
        if (other.pr === job.pr && other.headSha !== job.headSha) {
          this.pending.delete(otherKey);
          this.options.onDropped?.(other, `superseded by ${job.headSha}`);
        }
      }
      for (const { job: other, signal } of this.running.values()) {
        if (other.pr === job.pr && other.headSha !== job.headSha) signal.supersededBy = job.headSha;
      }
    }
    if (this.pending.size >= this.options.maxPending) return 'queue-full';
    this.pending.set(key, job);
    this.pump();
    return 'queued';
  }

  /** Resolves once nothing is pending or running. */
  idle(): Promise<void> {
    if (this.pending.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking work for shutdown: waiting jobs are dropped (they have published nothing yet),
   * running ones finish, so no check run is left in progress by a deploy.
   */
  close(): Promise<void> {
    this.closed = true;
    for (const job of this.pending.values()) this.options.onDropped?.(job, 'shutting down');
    this.pending.clear();
    return this.idle();
  }

  private prRunning(pr: string): boolean {
    for (const { job } of this.running.values()) if (job.pr === pr) return true;
    return false;
  }

  private pump(): void {
    for (const [key, job] of this.pending) {
      if (this.running.size >= this.options.concurrency) break;
      if (this.prRunning(job.pr)) continue;
      this.pending.delete(key);
      const entry: Running = { job, signal: {} };
      this.running.set(key, entry);
      // Start on a later tick: the webhook handler that enqueued returns first.
      setImmediate(() => {
        job
          .run(entry.signal)
          .catch((error: unknown) => this.options.onError?.(job, error))
          .finally(() => {
            this.running.delete(key);
            this.pump();
            if (this.pending.size === 0 && this.running.size === 0) {
              const waiters = this.idleWaiters;
              this.idleWaiters = [];
              for (const resolve of waiters) resolve();
            }
          });
      });
    }
  }
}

/** Delivery ids already handled, so a redelivered webhook does nothing twice. Bounded (oldest out). */
export class DeliveryLog {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity = 10_000) {}

  /** True the first time an id is seen. */
  firstTime(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}
