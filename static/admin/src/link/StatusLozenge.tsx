import type { LinkStatus } from '../../../../contract';

export const STATUS_LABELS: Record<LinkStatus, { text: string; tone: string }> = {
  connected: { text: 'Connected', tone: 'success' },
  'needs-configuration': { text: 'Needs configuration', tone: 'moved' },
  'needs-authorization': { text: 'Needs authorization', tone: 'inprogress' },
  'needs-reauthorization': { text: 'Needs re-authorization', tone: 'moved' },
  failing: { text: 'Failing', tone: 'removed' },
  'outgoing-only': { text: 'Outgoing only', tone: 'default' },
};

/** A link's status as a coloured lozenge; `data-status` carries the code for tests. */
export function StatusLozenge({ status }: { status: LinkStatus }) {
  const { text, tone } = STATUS_LABELS[status];
  return <span className={`lozenge ${tone}`} data-status={status}>{text}</span>;
}
