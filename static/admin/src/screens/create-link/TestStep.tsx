import { useState } from 'react';
import type { ForgeLinkView, TestConnectionResult } from '../../../../../contract';
import { call } from '../../api';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';
import { TestResultView } from '../../link/TestResultView';
import type { Navigate } from '../../navigation';

/** The last step: the connector's test, stage by stage, and the way to the link's page. */
export function TestStep({ link, navigate }: { link: ForgeLinkView; navigate: Navigate }) {
  const [result, setResult] = useState<TestConnectionResult | undefined>(link.lastTest ?? undefined);
  const test = useAction(async () => setResult((await call('testConnection', { id: link.id })).result));
  return (
    <div>
      <h2>Test the connection</h2>
      <p>The connector checks, in order: the URL, DNS, the connection, TLS, the application, its version, the clocks, the credentials, the token and one API call.</p>
      <ErrorBanner error={test.error} />
      {result !== undefined && <TestResultView result={result} />}
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void test.run()} disabled={test.busy}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="btn" onClick={() => navigate({ screen: 'link', id: link.id })}>
          Open the link's page
        </button>
      </div>
    </div>
  );
}
