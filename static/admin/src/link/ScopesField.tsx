import { useState } from 'react';
import { REMOTE_PRESETS, type RemoteKind } from '../../../../contract';
import { ScopePicker } from '../components/ScopePicker';
import { TextField } from '../components/TextField';

/**
 * The scopes to request: the preset's as checkboxes, and, where the provider takes any scope
 * (external providers), a free-form field for the rest, space separated as in RFC 6749 section 3.3.
 */
export function ScopesField({
  kind,
  offered,
  value,
  onChange,
  error,
}: {
  kind: RemoteKind;
  /** The preset's scopes this link may ask for (a Jira service account: READ and WRITE only); all of them by default. */
  offered?: (typeof REMOTE_PRESETS)[RemoteKind]['scopes'];
  value: string[];
  onChange: (scopes: string[]) => void;
  error?: string | undefined;
}) {
  const preset = REMOTE_PRESETS[kind];
  const choices = offered ?? preset.scopes;
  const known = new Set(preset.scopes.map((s) => s.name));
  const others = value.filter((s) => !known.has(s));
  const [text, setText] = useState(others.join(' '));
  const parse = (typed: string) => [...new Set(typed.split(/\s+/).filter((s) => s !== ''))];
  return (
    <>
      {choices.length > 0 && (
        <ScopePicker legend={`Scopes to request from ${preset.label}`} scopes={choices} value={value.filter((s) => known.has(s))} onChange={(picked) => onChange([...picked, ...parse(text)])} />
      )}
      {preset.freeFormScopes && (
        <TextField
          label={preset.scopes.length > 0 ? 'Other scopes' : 'Scopes'}
          value={text}
          onChange={(typed) => {
            setText(typed);
            onChange([...value.filter((s) => known.has(s)), ...parse(typed)]);
          }}
          error={error}
          placeholder={preset.scopes.length > 0 ? 'api://your-api/.default' : 'openid profile api.read'}
          help="Separated by spaces, exactly as the provider names them."
        />
      )}
    </>
  );
}
