import '@atlaskit/css-reset/dist/bundle.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { moduleKey } from './module-key';
import { surfaceFor } from './surfaces';
import { setUpTheme } from './theme';

// The page renders even when theming fails, as it did before surfaces.
void Promise.all([setUpTheme().catch(() => undefined), moduleKey()]).then(([, key]) => {
  const Surface = surfaceFor(key);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Surface />
    </StrictMode>,
  );
});
