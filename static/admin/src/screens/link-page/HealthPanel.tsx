import { CHECK_INTERVAL_MINUTES, type ForgeLinkView, type HealthFailure, type HealthHour, type HealthTransition, type LinkHealth } from '../../../../../contract';
import { call } from '../../api';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatTime } from '../../format';
import { useAction } from '../../hooks/useAction';
import { useLoad } from '../../hooks/useLoad';
import { BreaksInBanner, HealthBadge, uptimeText } from '../../link/HealthBadge';

const INTERVALS: (number | null)[] = [5, 15, 30, 60, 360, 1440, null];
const intervalText = (m: number | null) => (m === null ? 'Off' : m < 60 ? `Every ${m} minutes` : m === 60 ? 'Every hour' : m === 1440 ? 'Every day' : `Every ${m / 60} hours`);
const DAY = 86_400_000;

/** 30 days, one cell each: green without failures, amber with some, red when most checks failed, grey without checks. */
function days(hours: readonly HealthHour[], now: number): { day: string; checks: number; failures: number }[] {
  const cells = Array.from({ length: 30 }, (_, i) => ({ day: new Date(now - (29 - i) * DAY).toISOString().slice(0, 10), checks: 0, failures: 0 }));
  const byDay = new Map(cells.map((c) => [c.day, c]));
  for (const h of hours) {
    const cell = byDay.get(h.hour.slice(0, 10));
    if (cell === undefined) continue;
    cell.checks += h.checks;
    cell.failures += h.failures;
  }
  return cells;
}

const tone = (c: { checks: number; failures: number }) => (c.checks === 0 ? 'none' : c.failures === 0 ? 'up' : c.failures * 2 >= c.checks ? 'down' : 'some');

type Event = { at: string; transition?: HealthTransition; failure?: HealthFailure };

function events(h: LinkHealth): Event[] {
  const all: Event[] = [...h.transitions.map((t) => ({ at: t.at, transition: t })), ...h.failures.map((f) => ({ at: f.at, failure: f }))];
  return all.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.transition !== undefined ? -1 : 1)).slice(0, 50);
}

const TRANSITION_TEXT = { failing: 'Became failing', recovered: 'Recovered', 'needs-reauthorization': 'Needs re-authorization' } as const;

/** The link's health: "breaks in" banner, state, uptime, check interval, a 30-day strip and the transitions and failures. */
export function HealthPanel({ link }: { link: ForgeLinkView }) {
  const loaded = useLoad(() => call('getLinkHealth', { id: link.id }), [link.id, link.version]);
  const changeInterval = useAction(async (minutes: number | null) => {
    await call('updateLink', { id: link.id, changes: { checkIntervalMinutes: minutes } });
    loaded.reload();
  });
  const h = loaded.data;
  if (h === undefined) return loaded.error === undefined ? <p role="status">Loading health…</p> : <ErrorBanner error={loaded.error} />;
  const strip = days(h.hours, Date.now());
  return (
    <section aria-label="Health" className="health">
      {h.breaksIn !== null && <BreaksInBanner breaksIn={h.breaksIn} />}
      <p>
        <HealthBadge health={h} />{' '}
        {h.lastFailure !== null && (
          <span>
            Failing at <strong>{h.lastFailure.stage}</strong> (<code>{h.lastFailure.code}</code>) since {formatTime(h.since ?? h.lastFailure.at)}. {h.lastFailure.hint}
          </span>
        )}
      </p>
      <dl className="uptime">
        <dt>Uptime 24 h</dt>
        <dd data-uptime="day">{uptimeText(h.uptime.day)}</dd>
        <dt>7 days</dt>
        <dd data-uptime="week">{uptimeText(h.uptime.week)}</dd>
        <dt>30 days</dt>
        <dd data-uptime="month">{uptimeText(h.uptime.month)}</dd>
      </dl>
      <ol className="health-strip" aria-label="Checks per day, last 30 days">
        {strip.map((c) => (
          <li key={c.day} className={tone(c)} title={`${c.day}: ${c.checks} check(s), ${c.failures} failed`} />
        ))}
      </ol>
      <label>
        Scheduled checks{' '}
        <select value={String(h.intervalMinutes)} disabled={changeInterval.busy} onChange={(e) => void changeInterval.run(e.target.value === 'null' ? null : Number(e.target.value))}>
          {INTERVALS.map((m) => (
            <option key={String(m)} value={String(m)}>
              {intervalText(m)}
            </option>
          ))}
        </select>
      </label>{' '}
      <span className="subtlest">
        {h.lastCheckedAt === null ? 'Not checked yet.' : `Last checked ${formatTime(h.lastCheckedAt)}.`} {h.nextCheckAt === null ? '' : `Next ${formatTime(h.nextCheckAt)}.`}
        {h.latency.length > 0 && ` Mean stage times: ${h.latency.map((l) => `${l.stage} ${l.meanMs} ms`).join(', ')}.`}
      </span>
      <ErrorBanner error={changeInterval.error} />
      <ul className="health-events" aria-label="Transitions and failures">
        {events(h).map((e) =>
          e.transition !== undefined ? (
            <li key={`t${e.transition.id}`} className={`transition ${e.transition.type}`}>
              <strong>{TRANSITION_TEXT[e.transition.type]}</strong> {formatTime(e.at)}
              {e.transition.code !== null && <span className="subtle"> — {e.transition.stage}: {e.transition.code}</span>}
            </li>
          ) : (
            <li key={`f${e.at}`} className="failure">
              Check failed {formatTime(e.at)} <span className="subtle">— {e.failure!.stage}: {e.failure!.code}</span>
            </li>
          ),
        )}
        {h.transitions.length === 0 && h.failures.length === 0 && <li className="subtle">No failed checks in 30 days.</li>}
      </ul>
      {h.intervalMinutes === null && <p className="subtlest">Scheduled checks are off: the status changes only when someone tests the link. Default: every {CHECK_INTERVAL_MINUTES.default} minutes.</p>}
    </section>
  );
}
