import { Banner } from '../../components/Banner';

export type DisplayUrlChoice = 'display' | 'typed';

/**
 * The remote calls itself by another URL than the one typed: which one do users reach? The
 * remote's own URL is kept as the link's display URL; the typed one means the remote's base URL
 * setting is wrong, which only its administrator can fix.
 */
export function DisplayUrlConfirm({ applicationUrl, displayUrl, value, onChange }: { applicationUrl: string; displayUrl: string; value: DisplayUrlChoice | undefined; onChange: (choice: DisplayUrlChoice) => void }) {
  return (
    <fieldset data-testid="display-url-confirm">
      <legend>The remote at this address calls itself {displayUrl}. Which URL do users reach?</legend>
      <div className="choice">
        <input type="radio" id="relocate-display" name="relocate-display" checked={value === 'display'} onChange={() => onChange('display')} />
        <label htmlFor="relocate-display">
          <code>{displayUrl}</code> (the remote's own URL: keep it as the link's display URL)
        </label>
      </div>
      <div className="choice">
        <input type="radio" id="relocate-typed" name="relocate-display" checked={value === 'typed'} onChange={() => onChange('typed')} />
        <label htmlFor="relocate-typed">
          <code>{applicationUrl}</code> (the address typed above)
        </label>
      </div>
      {value === 'typed' && (
        <Banner tone="warning" title="The remote's base URL needs fixing first">
          The remote believes it lives at {displayUrl}, so links it builds would send users there. Ask its administrator to set its base URL to {applicationUrl}
          (Administration &gt; System &gt; General configuration), then relocate again.
        </Banner>
      )}
    </fieldset>
  );
}
