import { ApiError } from '../api';
import { Banner } from './Banner';

/** A resolver error, with the code (the admin page and runbooks key on it) and each field's problem. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  if (error instanceof ApiError) {
    return (
      <Banner tone="error" title={error.message}>
        <span className="subtlest">Code: {error.code}</span>
        {error.errors.length > 0 && (
          <ul>
            {error.errors.map((e, i) => (
              <li key={i}>
                {e.path !== undefined && e.path !== '' ? <code>{e.path}</code> : null} {e.message}
              </li>
            ))}
          </ul>
        )}
      </Banner>
    );
  }
  return <Banner tone="error" title="Something went wrong">{String(error instanceof Error ? error.message : error)}</Banner>;
}
