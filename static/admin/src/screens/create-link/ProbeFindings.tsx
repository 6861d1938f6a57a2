import type { ProbeResult } from '../../../../../contract';
import { ApiError } from '../../api';
import { Banner } from '../../components/Banner';

/**
 * What the connector found at the URL (seed 001: kind, version, OAuth 2.0 support, display URL to
 * confirm), or why it could not look.
 */
export function ProbeFindings(props: { probe: ProbeResult | undefined; error: unknown; applicationUrl: string; displayUrl: string; onDisplayUrl: (url: string) => void }) {
  const { probe } = props;
  if (probe === undefined) {
    return (
      <Banner tone="info" title="Choose the application type">
        The connector could not look at the URL{props.error instanceof ApiError ? ` (${props.error.code}: ${props.error.message})` : ''}, so the type, version and
        OAuth 2.0 support are not detected: choose the type yourself. The test at the end checks them.
      </Banner>
    );
  }
  return (
    <div data-testid="probe-result" data-code={probe.code}>
      {probe.atlassian ? (
        <Banner tone={probe.oauth2.supported === false ? 'error' : 'success'} title={`Found ${probe.name ?? probe.typeId ?? 'an Atlassian application'}${probe.version !== null ? ` ${probe.version}` : ''}`}>
          {probe.oauth2.supported === true && <p>It supports OAuth 2.0 application links. The type is selected below.</p>}
          {probe.oauth2.supported === false && (
            <p>
              <strong>The remote does not support OAuth 2.0</strong> application links: upgrade it to {probe.oauth2.minimumVersion ?? 'a supported version'} or later. You
              can still create an outgoing-only link without authentication.
            </p>
          )}
          {probe.oauth2.supported === null && <p>Its version does not say whether it supports OAuth 2.0 application links.</p>}
        </Banner>
      ) : probe.oauth2.metadata !== null ? (
        <Banner tone="success" title="Found an OAuth 2.0 authorization server">
          <p>
            It publishes its metadata{probe.oauth2.metadata.issuer === null ? '' : ` (issuer ${probe.oauth2.metadata.issuer})`}: Custom OAuth 2.0 provider is selected below, with its
            endpoints filled in.
          </p>
        </Banner>
      ) : (
        <Banner tone="warning" title={probe.message}>
          {probe.hint} <span className="subtlest">Code: {probe.code}</span>
        </Banner>
      )}
      {probe.displayUrlDiffers && probe.displayUrl !== null && (
        <fieldset>
          <legend>The remote says its URL is {probe.displayUrl}: which one do users reach?</legend>
          <div className="choice">
            <input type="radio" id="display-same" name="display" checked={props.displayUrl === ''} onChange={() => props.onDisplayUrl('')} />
            <label htmlFor="display-same">
              <code>{props.applicationUrl}</code> (the application URL)
            </label>
          </div>
          <div className="choice">
            <input type="radio" id="display-remote" name="display" checked={props.displayUrl === probe.displayUrl} onChange={() => props.onDisplayUrl(probe.displayUrl!)} />
            <label htmlFor="display-remote">
              <code>{probe.displayUrl}</code> (the remote's display URL)
            </label>
          </div>
        </fieldset>
      )}
    </div>
  );
}
