import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { REMOTE_PRESETS, type AuthKind, type CredentialSummary, type LinkStatus, type RemoteKind } from '../../../contract';
import { ApiError } from './api';

export const STATUS_LABELS: Record<LinkStatus, { text: string; tone: string }> = {
  connected: { text: 'Connected', tone: 'success' },
  'needs-configuration': { text: 'Needs configuration', tone: 'moved' },
  'needs-authorization': { text: 'Needs authorization', tone: 'inprogress' },
  'needs-reauthorization': { text: 'Needs re-authorization', tone: 'moved' },
  failing: { text: 'Failing', tone: 'removed' },
  'outgoing-only': { text: 'Outgoing only', tone: 'default' },
};

export const AUTH_LABELS: Record<AuthKind, string> = {
  oauth2: 'OAuth 2.0',
  'oauth2-impersonation': 'OAuth 2.0 with impersonation',
  none: 'None (outgoing only)',
};

const KIND_ABBREVIATIONS: Record<RemoteKind, string> = {
  jira: 'JI',
  confluence: 'CF',
  bitbucket: 'BB',
  bamboo: 'BA',
  crowd: 'CR',
  'atlassian-cloud': 'AC',
  'bitbucket-cloud': 'BC',
  google: 'G',
  microsoft: 'MS',
  custom: 'C',
};

export function StatusLozenge({ status }: { status: LinkStatus }) {
  const { text, tone } = STATUS_LABELS[status];
  return <span className={`lozenge ${tone}`} data-status={status}>{text}</span>;
}

export function KindIcon({ kind }: { kind: RemoteKind }) {
  return (
    <span className="kind-icon" role="img" aria-label={REMOTE_PRESETS[kind].label} title={REMOTE_PRESETS[kind].label}>
      {KIND_ABBREVIATIONS[kind]}
    </span>
  );
}

export function Banner({ tone, title, children }: { tone: 'info' | 'warning' | 'error' | 'success'; title?: string; children?: ReactNode }) {
  return (
    <div className={`banner ${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title !== undefined && <strong>{title}</strong>}
      {children}
    </div>
  );
}

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

/** A value to carry to the other application, with a copy button labelled by what it copies. */
export function CopyValue({ label, value, secret = false }: { label: string; value: string; secret?: boolean }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // Clipboard access can be refused in a frame; select the text so Ctrl+C works.
      const range = document.createRange();
      const node = document.getElementById(id);
      if (node !== null) {
        range.selectNodeContents(node);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(range);
      }
    }
    setCopied(true);
  };
  return (
    <div className="copy" data-copy={label}>
      <code id={id} aria-label={label} data-secret={secret ? 'true' : undefined}>
        {value}
      </code>
      <button type="button" className="btn" onClick={() => void copy()} aria-label={`Copy ${label}`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

export function TextField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'url' | 'password';
  help?: ReactNode;
  error?: string | undefined;
  placeholder?: string;
  autoFocus?: boolean;
  required?: boolean;
  name?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required === true ? ' *' : ''}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        autoFocus={props.autoFocus}
        required={props.required}
        autoComplete={props.type === 'password' ? 'new-password' : 'off'}
        aria-invalid={props.error !== undefined ? true : undefined}
        aria-describedby={props.help !== undefined || props.error !== undefined ? `${id}-help` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <span id={`${id}-help`}>
        {props.error !== undefined && <span className="error">{props.error} </span>}
        {props.help !== undefined && <span className="help">{props.help}</span>}
      </span>
    </div>
  );
}

/** Runs an async action, tracking busy and error state. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action(...args);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

/** Loads data on mount and when `deps` change. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load()
      .then((value) => live && (setData(value), setError(undefined)))
      .catch((e: unknown) => live && setError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data, setData, error, loading, reload: () => setTick((t) => t + 1) };
}

/** A modal dialog (native <dialog>: focus is trapped and Escape closes it). */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId} style={{ marginTop: 0 }}>
        {title}
      </h2>
      {children}
    </dialog>
  );
}

export const formatTime = (iso: string | null | undefined): string => (iso === null || iso === undefined ? '—' : new Date(iso).toLocaleString());

/**
 * The outgoing credential in a few words: whether the link can call the remote now, until when,
 * and whether someone must act. `undefined` means the connector did not say (see `unknown`).
 */
export function CredentialState({ credential, authKind, unknown }: { credential: CredentialSummary | null | undefined; authKind: AuthKind | undefined; unknown: string }) {
  if (authKind === 'none') return <span className="subtlest">No token (no authentication)</span>;
  if (credential === null || credential === undefined) return <span className="subtlest" data-credential="unknown">{unknown}</span>;
  const users = credential.users;
  switch (credential.state) {
    case 'valid':
      return (
        <span data-credential="valid" title={credential.refreshAt === null ? undefined : `The connector renews it at ${formatTime(credential.refreshAt)}`}>
          Valid until {formatTime(credential.expiresAt)}
          {credential.failedRefreshes > 0 && (
            <span className="subtlest">
              {' '}
              · {credential.failedRefreshes} failed renewal{credential.failedRefreshes === 1 ? '' : 's'}
              {credential.lastErrorCode === null ? '' : ` (${credential.lastErrorCode})`}
            </span>
          )}
        </span>
      );
    case 'expired':
      return (
        <span data-credential="expired">
          <span className="lozenge removed">Expired</span> {formatTime(credential.expiresAt)}; renewal failing
          {credential.lastErrorCode === null ? '' : ` (${credential.lastErrorCode})`}, retried automatically
        </span>
      );
    case 'needs-reauthorization':
      return (
        <span data-credential="needs-reauthorization">
          <span className="lozenge moved">Authorize again</span> the remote refused the refresh token
        </span>
      );
    case 'none':
      if (users.authorized > 0) {
        return (
          <span data-credential="users">
            {users.authorized} user{users.authorized === 1 ? '' : 's'} authorized
            {users.needReauthorization > 0 && <>, {users.needReauthorization} to authorize again</>}
            {users.soonestExpiry !== null && <span className="subtlest"> · next expiry {formatTime(users.soonestExpiry)}</span>}
          </span>
        );
      }
      return (
        <span className="subtlest" data-credential="none">
          {authKind === 'oauth2-impersonation' ? 'No user has authorized yet' : 'Not authorized yet'}
        </span>
      );
  }
}
