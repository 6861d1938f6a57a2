import { DIAGNOSTIC_CODES, type TestConnectionResult } from '../../../../contract';
import { Banner } from '../components/Banner';
import { formatTime } from '../format';

const STAGE_LABELS: Record<string, string> = {
  url: 'URL',
  dns: 'DNS',
  tcp: 'Connection',
  tls: 'TLS',
  manifest: 'Application',
  version: 'Version',
  clock: 'Clock',
  credentials: 'Credentials',
  token: 'Token',
  api: 'API call',
};

/** A test's stages in order, each with its result and, when it did not pass, what to change. */
export function TestResultView({ result }: { result: TestConnectionResult }) {
  return (
    <div data-testid="test-result" data-ok={result.ok ? 'true' : 'false'}>
      {result.ok ? (
        <Banner tone="success" title="Connection works">
          Tested {formatTime(result.testedAt)}.
        </Banner>
      ) : (
        <Banner tone="error" title="The test failed">
          Tested {formatTime(result.testedAt)}. The first failing stage says what to change.
        </Banner>
      )}
      <table aria-label="Test stages">
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Result</th>
            <th scope="col">Code</th>
            <th scope="col">What happened and what to do</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {result.stages.map((stage) => (
            <tr key={stage.stage} className={stage.status === 'fail' ? 'stage-fail' : undefined} data-stage={stage.stage} data-code={stage.code}>
              <td>{STAGE_LABELS[stage.stage] ?? stage.stage}</td>
              <td>
                <span className={`lozenge ${stage.status === 'pass' ? 'success' : stage.status === 'fail' ? 'removed' : stage.status === 'warn' ? 'moved' : 'default'}`}>
                  {stage.status}
                </span>
              </td>
              <td>
                <code>{stage.code}</code>
              </td>
              <td>
                {stage.message}
                {stage.status !== 'pass' && (stage.hint || DIAGNOSTIC_CODES[stage.code].hint) && (
                  <div className="subtle">Hint: {stage.hint || DIAGNOSTIC_CODES[stage.code].hint}</div>
                )}
              </td>
              <td className="subtlest">{stage.ms} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
