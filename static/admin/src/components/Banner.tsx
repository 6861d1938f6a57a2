import type { ReactNode } from 'react';

/** A message block; errors are announced at once (`alert`), the rest politely (`status`). */
export function Banner({ tone, title, children }: { tone: 'info' | 'warning' | 'error' | 'success'; title?: string; children?: ReactNode }) {
  return (
    <div className={`banner ${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title !== undefined && <strong>{title}</strong>}
      {children}
    </div>
  );
}
