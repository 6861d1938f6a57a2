import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CHECK_INTERVAL_MINUTES, type LinkStatus, type TestConnectionResult } from '../../../contract';
import type { CheckClaim, StageTimes, TransitionRow } from '../storage/health-store';
import type { LinkRecord, Store } from '../storage/store';
import { decideHealth, hourOf, nextDueAfter } from './health-decision';
import type { LinkEventSink } from './seams';
import { announceTransition } from './transitions';

/** What runs a check: the connection tester in scheduled mode. */
export interface Checker {
  check(link: LinkRecord): Promise<TestConnectionResult>;
}

export interface CheckSchedulerOptions {
  store: Store;
  checker: Checker;
  logger: Logger;
  now?: () => number;
  random?: () => number;
  /** Where transitions are announced; none: nothing is published. */
  sink?: LinkEventSink;
  /** Pause between scans when there was little to do. Default 5 s. */
  scanIntervalMs?: number;
  /** Checks one scan claims. Default 100. */
  batchSize?: number;
  /** Checks running at once in this process. Default 16. */
  concurrency?: number;
  /** How long a claim holds before another replica may take the check over. Default 2 minutes (a test takes 30 s at most). */
  leaseMs?: number;
}

/** A link with checks off is looked at again after this, in case they were turned on. */
const OFF_RECHECK_MS = 60 * 60_000;
const RETENTION_MS = 30 * 24 * 3600_000;
const PURGE_EVERY_MS = 3600_000;

/**
 * Scheduled checks (issue 15 item 1). Every replica runs one; each scan seeds schedule rows for
 * new links, claims the due ones in the database (a conditional update, see `HealthStore`), runs
 * them with the tester's scheduled mode, and completes each claim with its outcome, the hour's
 * counts, the failure and the transition in one transaction. Only the replica whose completion
 * wrote a transition changes the link's status and announces it, so each transition is recorded,
 * applied and published once.
 */
export class CheckScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private halting = false;
  private lastPurge = 0;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: CheckSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halting = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halting = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One scan, as of `now` (tests and the preview scan as of a later time). Returns how many checks it claimed. */
  async runOnce(now: number = this.now()): Promise<number> {
    const { store } = this.options;
    // New links are first due at a random point within their interval (at most 15 minutes), so
    // 10,000 links created or upgraded at once do not all come due in the same scan.
    await store.health.seed(() => new Date(now + Math.floor(this.random() * CHECK_INTERVAL_MINUTES.default * 60_000)).toISOString(), 1000);
    const claims = await store.health.claimDue(new Date(now).toISOString(), new Date(now + (this.options.leaseMs ?? 120_000)).toISOString(), randomUUID(), this.options.batchSize ?? 100);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!this.halting) {
        const claim = claims[next];
        next += 1;
        if (claim === undefined) return;
        await this.runClaim(claim).catch((error: unknown) => this.options.logger.error({ err: error, linkId: claim.linkId }, 'scheduled check failed unexpectedly'));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 16, claims.length) }, worker));
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      await store.health.purge(new Date(now - RETENTION_MS).toISOString());
    }
    return claims.length;
  }

  private async runClaim(claim: CheckClaim): Promise<void> {
    const { store } = this.options;
    const link = await store.links.get(claim.linkId);
    if (link === undefined) return;
    const claimedAt = Date.parse(claim.claimedAt);
    const interval = link.checkIntervalMinutes === undefined ? CHECK_INTERVAL_MINUTES.default : link.checkIntervalMinutes;
    if (interval === null) {
      await store.health.complete({ linkId: link.id, claimId: claim.claimId, nextDueAt: new Date(claimedAt + OFF_RECHECK_MS).toISOString() });
      return;
    }
    const result = await this.options.checker.check(link);
    const at = result.testedAt;
    const decision = decideHealth(claim, { ok: result.ok, at }, link.status as LinkStatus);
    const failed = result.stages.find((s) => s.status === 'fail') ?? null;
    const transition: TransitionRow | null =
      decision.transition === null
        ? null
        : {
            id: randomUUID(),
            linkId: link.id,
            linkName: link.name,
            type: decision.transition.type,
            at,
            stage: failed?.stage ?? null,
            code: failed?.code ?? null,
            hint: failed?.hint ?? null,
            since: decision.transition.since,
          };
    const completed = await store.health.complete({
      linkId: link.id,
      claimId: claim.claimId,
      nextDueAt: nextDueAfter(claimedAt, interval, this.random),
      check: {
        at,
        ok: result.ok,
        consecutiveFailures: decision.consecutiveFailures,
        state: decision.state,
        stateSince: decision.stateSince,
        failingSince: decision.failingSince,
        hour: hourOf(at),
        stages: stageTimes(result),
        failure: failed === null ? null : { linkId: link.id, at, stage: failed.stage, code: failed.code, message: failed.message, hint: failed.hint, ms: failed.ms },
        transition,
      },
    });
    if (!completed) {
      this.options.logger.warn({ linkId: link.id }, 'a scheduled check outlived its claim; another replica took it over, this outcome is dropped');
      return;
    }
    if (transition !== null) await announceTransition({ store, sink: this.options.sink, logger: this.options.logger, now: this.now }, link, transition);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    const pause = this.options.scanIntervalMs ?? 5_000;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((count) => this.schedule(count >= (this.options.batchSize ?? 100) ? 0 : pause))
        .catch((error: unknown) => {
          this.options.logger.error({ err: error }, 'check scan failed');
          this.schedule(pause);
        });
    }, delay);
    this.timer.unref();
  }
}

/** Time per stage that ran (skipped stages took no time and say nothing about latency). */
function stageTimes(result: TestConnectionResult): StageTimes {
  const times: StageTimes = {};
  for (const s of result.stages) if (s.status !== 'skip') times[s.stage] = { ms: s.ms, runs: 1 };
  return times;
}
