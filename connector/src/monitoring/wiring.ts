import type { Logger } from 'pino';
import type { ConnectionTesterDeps } from '../discovery/test-connection';
import type { Store } from '../storage/store';
import { CheckScheduler, type Checker, type CheckSchedulerOptions } from './check-scheduler';
import type { CheckObserver, ForecastSource, LinkEventSink } from './seams';
import { recordNeedsReauthorization } from './transitions';

/** What the app may hand monitoring: each part optional (no sink: nothing is published; no forecast source: no forecasts). */
export interface MonitoringDeps {
  sink?: LinkEventSink;
  forecasts?: ForecastSource;
  /** Told of every check and manual test (forecasts read the certificate, metrics count). */
  observers?: CheckObserver[];
  /** Scheduler tuning for tests and benchmarks (clock, batch, concurrency, lease). */
  scheduler?: Partial<Omit<CheckSchedulerOptions, 'store' | 'checker' | 'logger' | 'sink'>>;
}

export interface Monitoring {
  /** The scheduler every replica runs; `server.ts` starts and stops it, tests call `runOnce`. */
  readonly scheduler: CheckScheduler;
  /** What the connection tester needs to tell observers. */
  readonly testerHooks: Pick<ConnectionTesterDeps, 'observers' | 'onObserverError'>;
  /** The tester, once built: checks run through it. */
  attach(checker: Checker): void;
  /** The refresh path marked a link as needing re-authorization (once per transition). */
  needsReauthorization(linkId: string, reason: string): Promise<void>;
}

/** Builds the monitoring parts around one store; the tester is attached after it is built (it needs the credentials). */
export function buildMonitoring(deps: MonitoringDeps & { store: Store; logger: Logger; now: () => Date }): Monitoring {
  let checker: Checker | undefined;
  const clock = deps.scheduler?.now ?? (() => deps.now().getTime());
  const scheduler = new CheckScheduler({
    ...deps.scheduler,
    store: deps.store,
    logger: deps.logger,
    now: clock,
    sink: deps.sink,
    checker: {
      check: (link) => {
        if (checker === undefined) throw new Error('monitoring: no checker attached');
        return checker.check(link);
      },
    },
  });
  return {
    scheduler,
    testerHooks: {
      observers: deps.observers ?? [],
      onObserverError: (error, linkId) => deps.logger.error({ err: error, linkId }, 'a check observer failed'),
    },
    attach(c) {
      checker = c;
    },
    needsReauthorization: (linkId, reason) => recordNeedsReauthorization({ store: deps.store, sink: deps.sink, logger: deps.logger, now: clock }, linkId, reason),
  };
}
