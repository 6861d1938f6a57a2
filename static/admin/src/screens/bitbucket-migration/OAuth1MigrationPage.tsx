import { useEffect, useState } from 'react';
import { OAUTH1_MIGRATION_STEPS, type ForgeLinkView, type MigrationStep, type TestConnectionResult } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';
import type { Navigate } from '../../navigation';

type StepState = { state: 'verified' | 'failing' | 'unchecked' | 'not-visible'; note: string };

/**
 * What a test of the link says about one step: its stage passed (verified), failed (with the
 * stage's message and hint), or did not run; steps in Jira Data Center cannot be seen from here.
 */
export function migrationStepState(step: MigrationStep, result: TestConnectionResult | null): StepState {
  if (step.verifiedBy === null) return { state: 'not-visible', note: 'This site cannot see Jira Data Center\'s DVCS accounts: check it there.' };
  const stage = result?.stages.find((s) => s.stage === step.verifiedBy?.stage);
  if (stage === undefined) return { state: 'unchecked', note: 'Not verified yet: select Verify.' };
  if (stage.status === 'pass' || stage.status === 'warn') return { state: 'verified', note: stage.message };
  if (stage.status === 'fail') return { state: 'failing', note: `${stage.message} ${stage.hint}`.trim() };
  return { state: 'unchecked', note: 'Not verified: an earlier step failed.' };
}

const STATE_LABELS: Record<StepState['state'], { text: string; lozenge: string }> = {
  verified: { text: 'Verified', lozenge: 'success' },
  failing: { text: 'Not done', lozenge: 'removed' },
  unchecked: { text: 'Not verified', lozenge: 'default' },
  'not-visible': { text: 'Check in Jira', lozenge: 'moved' },
};

/**
 * Moving a Jira DVCS connection to Bitbucket Cloud from OAuth 1.0 to OAuth 2.0 (seed 002): the
 * steps in order, each verified where this site can see it, by testing this link, which uses the
 * same consumer.
 */
export function OAuth1MigrationPage({ id, navigate }: { id: string; navigate: Navigate }) {
  const [link, setLink] = useState<ForgeLinkView | undefined>(undefined);
  const [result, setResult] = useState<TestConnectionResult | null>(null);
  const load = useAction(async () => {
    const loaded = await call('getLink', { id });
    setLink(loaded);
    setResult(loaded.lastTest);
  });
  useEffect(() => void load.run(), [id]);
  const verify = useAction(async () => {
    const tested = await call('testConnection', { id });
    setLink(tested.link);
    setResult(tested.result);
  });
  return (
    <article aria-labelledby="migration-title">
      <button type="button" className="btn link" onClick={() => navigate({ screen: 'link', id })}>
        ← {link?.name ?? 'The link'}
      </button>
      <h1 id="migration-title">Move the Jira DVCS connection from OAuth 1.0 to OAuth 2.0</h1>
      <Banner tone="warning" title="OAuth 1.0 connections to Bitbucket Cloud are deprecated">
        Jira 9.12.31, 10.3.16 and 11.3.1 deprecated them; once support ends they stop working. The OAuth 2.0 connection uses the same consumer, with a callback
        URL added.
      </Banner>
      <ErrorBanner error={load.error ?? verify.error} />
      {link !== undefined && (
        <p>
          This link uses the consumer <code>{link.outgoing.clientId ?? '(no key entered yet)'}</code>
          {link.outgoing.workspace ? (
            <>
              {' '}
              in the workspace <code>{link.outgoing.workspace}</code>
            </>
          ) : null}
          : verifying tests it, which shows what Bitbucket Cloud says about the consumer.
        </p>
      )}
      <ol className="migration-steps">
        {OAUTH1_MIGRATION_STEPS.map((step) => {
          const { state, note } = migrationStepState(step, result);
          return (
            <li key={step.id} data-step={step.id} data-state={state}>
              <strong>
                {step.where}: {step.title}
              </strong>{' '}
              <span className={`lozenge ${STATE_LABELS[state].lozenge}`}>{STATE_LABELS[state].text}</span>
              <div className="subtle">{step.detail}</div>
              <div className="subtlest" data-note>
                {note}
              </div>
            </li>
          );
        })}
      </ol>
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void verify.run()} disabled={verify.busy || link === undefined}>
          {verify.busy ? 'Verifying…' : 'Verify'}
        </button>
      </div>
    </article>
  );
}
