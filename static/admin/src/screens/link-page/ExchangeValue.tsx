import type { ReactNode } from 'react';

/** One value of the exchange, with where it comes from and where it goes; `testId` becomes `data-value`. */
export function ExchangeValue({ label, children, from, to, testId }: { label: string; children: ReactNode; from: string; to: string; testId?: string }) {
  return (
    <div className="value" data-value={testId}>
      <div className="label">{label}</div>
      <div>{children}</div>
      <div className="flow">
        From {from} → to {to}
      </div>
    </div>
  );
}
