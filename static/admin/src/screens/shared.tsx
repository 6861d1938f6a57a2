import { useId } from 'react';
import { CLOUD_INCOMING_SCOPES, DIAGNOSTIC_CODES, type ScopeDefinition, type TestConnectionResult } from '../../../../contract';
import { Banner, formatTime } from '../components';

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

/** Scopes as checkboxes in the product's order, each with what it allows. */
export function ScopePicker({ legend, scopes, value, onChange }: { legend: string; scopes: readonly ScopeDefinition[]; value: string[]; onChange: (v: string[]) => void }) {
  const id = useId();
  return (
    <fieldset>
      <legend>{legend}</legend>
      {scopes.map((scope) => (
        <div className="choice" key={scope.name}>
          <input
            type="checkbox"
            id={`${id}-${scope.name}`}
            checked={value.includes(scope.name)}
            onChange={(e) => onChange(e.target.checked ? scopes.filter((s) => s.name === scope.name || value.includes(s.name)).map((s) => s.name) : value.filter((v) => v !== scope.name))}
          />
          <label htmlFor={`${id}-${scope.name}`}>
            <code>{scope.name}</code> <span className="subtle">{scope.description}</span>
          </label>
        </div>
      ))}
    </fieldset>
  );
}

export const INCOMING_SCOPES = CLOUD_INCOMING_SCOPES;
