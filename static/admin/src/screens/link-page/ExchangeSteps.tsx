import type { ForgeLinkView } from '../../../../../contract';
import { formatTime } from '../../format';

/** The exchange's steps: who does each, whether it is detected or marked by hand, what it moves, and which is next. */
export function ExchangeSteps({ link, remote }: { link: ForgeLinkView; remote: string }) {
  return (
    <ol className="exchange-steps" aria-label="Exchange steps">
      {link.exchange.steps.map((step) => (
        <li key={step.id} data-step={step.id} data-status={step.status} aria-current={link.exchange.next === step.id ? 'step' : undefined}>
          <span className={`lozenge ${step.status === 'done' ? 'success' : link.exchange.next === step.id ? 'inprogress' : 'default'}`}>
            {step.status === 'done' ? 'Done' : link.exchange.next === step.id ? 'Next' : 'Pending'}
          </span>{' '}
          {step.title}
          <div className="subtlest">
            {step.actor === 'site-admin' ? 'You, on this site' : `An administrator of ${remote}`} · {step.mode === 'manual' ? 'marked by hand' : 'detected'}
            {step.moves !== null && (
              <>
                {' '}
                · moves {step.moves.value}: {step.moves.from} → {step.moves.to}
              </>
            )}
            {step.updatedAt !== null && <> · {formatTime(step.updatedAt)}</>}
          </div>
        </li>
      ))}
    </ol>
  );
}
