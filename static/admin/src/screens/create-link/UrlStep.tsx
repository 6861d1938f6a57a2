import { useState } from 'react';
import { TextField } from '../../components/TextField';

/**
 * Step 1: the remote's URL. Only its shape is checked here; `onLookUp` asks the connector what is
 * there, and the wizard moves on whatever the answer (the next step says what was found or not).
 */
export function UrlStep({
  applicationUrl,
  onApplicationUrl,
  lookingUp,
  onLookUp,
  onCancel,
}: {
  applicationUrl: string;
  onApplicationUrl: (url: string) => void;
  lookingUp: boolean;
  onLookUp: (url: URL) => void;
  onCancel: () => void;
}) {
  const [urlError, setUrlError] = useState<string | undefined>(undefined);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        try {
          const url = new URL(applicationUrl);
          if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('protocol');
          setUrlError(undefined);
          onLookUp(url);
        } catch {
          setUrlError('Enter the URL as https://host[:port][/context], as it appears in the browser.');
        }
      }}
    >
      <h2>Where is the application?</h2>
      <TextField
        label="Application URL"
        type="url"
        value={applicationUrl}
        onChange={onApplicationUrl}
        placeholder="https://jira.example.com"
        autoFocus
        required
        error={urlError}
        help="The URL must be reachable from the connector. Tunnelled application links are not supported with OAuth 2.0."
      />
      <div className="actions">
        <button type="submit" className="btn primary" disabled={lookingUp}>
          {lookingUp ? 'Looking at the URL…' : 'Next'}
        </button>
        <button type="button" className="btn subtle" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
