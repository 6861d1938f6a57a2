import type { BreaksIn, LinkHealthSummary, Uptime } from '../../../../contract';
import { Banner } from '../components/Banner';

const STATE_TONES = { up: 'success', failing: 'removed', unknown: 'default' } as const;
const STATE_TEXT = { up: 'Up', failing: 'Failing', unknown: 'Not checked yet' } as const;

export const KIND_LABELS: Record<BreaksIn['kind'], string> = {
  'tls-certificate': "The remote's TLS certificate",
  'client-secret': 'The client secret',
  'service-account': 'The service-account credential',
  'refresh-token': 'The refresh token',
  'issued-secret': "This site's issued secret",
};

export function uptimeText(u: Uptime): string {
  if (u.ratio === null) return '—';
  return `${(u.ratio * 100).toFixed(u.ratio === 1 ? 0 : 1)} %`;
}

/** The list's compact badge: the checks' state and the 24-hour uptime; `data-health` carries the state for tests. */
export function HealthBadge({ health }: { health: LinkHealthSummary | undefined }) {
  if (health === undefined) return <span className="subtlest">—</span>;
  const title = `${STATE_TEXT[health.state]}${health.since === null ? '' : ` since ${health.since}`}; ${health.uptime24h.checks} check(s) in 24 h`;
  return (
    <span className="health-badge" data-health={health.state} title={title}>
      <span className={`lozenge ${STATE_TONES[health.state]}`}>{STATE_TEXT[health.state]}</span>{' '}
      {health.uptime24h.ratio !== null && <span className="subtlest">{uptimeText(health.uptime24h)} 24 h</span>}
    </span>
  );
}

/** "Breaks in N days", shown from 30 days ahead; red from 7 days. */
export function BreaksInBanner({ breaksIn, linkName }: { breaksIn: BreaksIn; linkName?: string }) {
  const days = breaksIn.daysLeft <= 0 ? 'today' : breaksIn.daysLeft === 1 ? 'in 1 day' : `in ${breaksIn.daysLeft} days`;
  const tone = breaksIn.thresholdDays <= 7 ? 'error' : breaksIn.thresholdDays <= 14 ? 'warning' : 'info';
  return (
    <div data-breaks-in={breaksIn.daysLeft}>
      <Banner tone={tone} title={linkName === undefined ? `Breaks ${days}` : `${linkName}: breaks ${days}`}>
        {' '}
        {KIND_LABELS[breaksIn.kind]} expires on {breaksIn.expiresAt.slice(0, 10)} ({breaksIn.source}). Renew it before then.
      </Banner>
    </div>
  );
}
