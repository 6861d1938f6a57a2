import { useState } from 'react';
import type { ForgeLinkView, LinkSummary, ProbeResult } from '../../../../../contract';
import { call } from '../../api';
import { useAction } from '../../hooks/useAction';
import type { Navigate } from '../../navigation';
import { inputFromDraft } from '../../link/provider-draft';
import { AuthorizeStep } from './AuthorizeStep';
import { DuplicateLinkWarning } from './DuplicateLinkWarning';
import { linksAt } from './duplicate-links';
import { ConnectStep } from './ConnectStep';
import { IncomingStep } from './IncomingStep';
import { KindStep } from './KindStep';
import { OutgoingStep } from './OutgoingStep';
import { ReviewStep } from './ReviewStep';
import { serviceAccountOutgoing } from './ServiceAccountChoice';
import { TestStep } from './TestStep';
import { UrlStep } from './UrlStep';
import { EMPTY_DRAFT, nameFromUrl, stepsFor, type LinkDraft, type Step } from './wizard-steps';
import { WizardStepsNav } from './WizardStepsNav';

/**
 * Creating a link: the draft (URL, type, name, authentication) until Review creates it, then the
 * credential exchange on the created link. Each step is its own component; this one holds what
 * passes between them.
 */
export function CreateLinkWizard({ navigate }: { navigate: Navigate }) {
  const [step, setStep] = useState<Step>('url');
  const [draft, setDraft] = useState<LinkDraft>(EMPTY_DRAFT);
  const onDraft = (changes: Partial<LinkDraft>) => setDraft((current) => ({ ...current, ...changes }));
  const [link, setLink] = useState<ForgeLinkView | undefined>(undefined);
  const steps = stepsFor(draft.authKind, draft.kind, link);
  const next = () => setStep(steps[steps.indexOf(step) + 1] ?? 'test');

  const [probe, setProbe] = useState<ProbeResult | undefined>(undefined);
  const [existing, setExisting] = useState<LinkSummary[]>([]);
  const probing = useAction(async (url: string) => {
    setProbe(undefined);
    // Links this site already has to the URL (a warning, never a refusal); a failure to list is no reason to stop.
    void linksAt(url).then(setExisting, () => setExisting([]));
    const found = await call('probeRemote', { url });
    setProbe(found);
    setDraft((current) => ({
      ...current,
      ...(found.kind !== null ? { kind: found.kind } : {}),
      // Not an Atlassian application, but it publishes OAuth 2.0 metadata: a custom provider.
      ...(found.kind === null && found.oauth2.metadata !== null ? { kind: 'custom' as const } : {}),
      // Below the minimum version OAuth 2.0 cannot be chosen: an outgoing-only link is what is left.
      ...(found.oauth2.supported === false ? { authKind: 'none' as const } : {}),
      ...(found.name !== null && current.name === '' ? { name: found.name } : {}),
    }));
    return found;
  });
  const lookUp = (url: URL) =>
    void probing.run(draft.applicationUrl).finally(() => {
      setDraft((current) => (current.name === '' ? { ...current, name: url.hostname } : current));
      next();
    });
  const create = useAction(async () => {
    const created = await call('createLink', {
      name: draft.name.trim() === '' ? nameFromUrl(draft.applicationUrl) : draft.name.trim(),
      remoteKind: draft.kind,
      applicationUrl: draft.applicationUrl,
      ...(draft.displayUrl.trim() === '' ? {} : { displayUrl: draft.displayUrl.trim() }),
      authKind: draft.authKind,
      ...(draft.authKind === 'none'
        ? {}
        : { outgoing: { ...draft.outgoing, ...(draft.kind === 'custom' ? inputFromDraft(draft.provider) : {}), ...serviceAccountOutgoing(draft, probe).outgoing } }),
    });
    setLink(created);
    const after = stepsFor(draft.authKind, draft.kind, created);
    setStep(after[after.indexOf('review') + 1] ?? 'test');
  });

  return (
    <section aria-labelledby="wizard-title">
      <h1 id="wizard-title">Create an application link</h1>
      <WizardStepsNav steps={steps} current={step} />
      {step === 'url' && (
        <UrlStep
          applicationUrl={draft.applicationUrl}
          onApplicationUrl={(applicationUrl) => onDraft({ applicationUrl })}
          lookingUp={probing.busy}
          onLookUp={lookUp}
          onCancel={() => navigate({ screen: 'links' })}
        />
      )}
      {step === 'kind' && (
        <KindStep
          draft={draft}
          onDraft={onDraft}
          probe={probe}
          probeError={probing.error}
          onNext={next}
          onBack={() => setStep('url')}
          notice={<DuplicateLinkWarning existing={existing} navigate={navigate} />}
        />
      )}
      {step === 'review' && (
        <ReviewStep draft={draft} probe={probe} creating={create.busy} error={create.error} onCreate={() => void create.run()} onBack={() => setStep('kind')}>
          <DuplicateLinkWarning existing={existing} navigate={navigate} />
        </ReviewStep>
      )}
      {step === 'incoming' && link !== undefined && <IncomingStep link={link} onLink={setLink} onNext={next} />}
      {step === 'outgoing' && link !== undefined && <OutgoingStep link={link} onLink={setLink} onNext={next} />}
      {step === 'authorize' && link !== undefined && (link.outgoing.grantType === 'client_credentials' ? <ConnectStep link={link} onLink={setLink} onNext={next} /> : <AuthorizeStep link={link} onNext={next} />)}
      {step === 'test' && link !== undefined && <TestStep link={link} navigate={navigate} />}
    </section>
  );
}
