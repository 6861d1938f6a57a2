import { useId, useState } from 'react';

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
