import { STEP_LABELS, type Step } from './wizard-steps';

/** The wizard's steps as a numbered list: the current one marked, the ones before it done. */
export function WizardStepsNav({ steps, current }: { steps: Step[]; current: Step }) {
  const index = steps.indexOf(current);
  return (
    <ol className="steps-nav" aria-label="Steps">
      {steps.map((s, i) => (
        <li key={s} aria-current={s === current ? 'step' : undefined} className={i < index ? 'done' : undefined}>
          {i + 1}. {STEP_LABELS[s]}
        </li>
      ))}
    </ol>
  );
}
