import { useId } from 'react';
import type { ScopeDefinition } from '../../../../contract';

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
