import { useId, type ReactNode } from 'react';

/** A labelled input whose help and error text are tied to it (`aria-describedby`) for screen readers. */
export function TextField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'url' | 'password' | 'date';
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
