import { useEffect, useState } from 'react';
import { AuditLogPage } from './screens/audit-log/AuditLogPage';
import { OAuth1MigrationPage } from './screens/bitbucket-migration/OAuth1MigrationPage';
import { ConnectorPage } from './screens/ConnectorPage';
import { CreateLinkWizard } from './screens/create-link/CreateLinkWizard';
import { LinkPage } from './screens/link-page/LinkPage';
import { LinksList } from './screens/LinksList';
import { formatRoute, parseRoute, type Navigate, type Route } from './navigation';

const TABS: { screen: 'links' | 'connector' | 'audit'; label: string }[] = [
  { screen: 'links', label: 'Application links' },
  { screen: 'connector', label: 'Connector' },
  { screen: 'audit', label: 'Audit log' },
];

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const navigate: Navigate = (next) => {
    window.location.hash = formatRoute(next);
    setRoute(next);
    window.scrollTo(0, 0);
  };
  const tab = route.screen === 'create' || route.screen === 'link' || route.screen === 'bitbucket-migration' ? 'links' : route.screen;
  return (
    <div className="app">
      <nav className="tabs" aria-label="Application links sections">
        {TABS.map((t) => (
          <button key={t.screen} type="button" aria-current={tab === t.screen ? 'page' : undefined} onClick={() => navigate({ screen: t.screen })}>
            {t.label}
          </button>
        ))}
      </nav>
      <main>
        {route.screen === 'links' && <LinksList navigate={navigate} />}
        {route.screen === 'create' && <CreateLinkWizard navigate={navigate} />}
        {route.screen === 'link' && <LinkPage id={route.id} navigate={navigate} />}
        {route.screen === 'connector' && <ConnectorPage />}
        {route.screen === 'audit' && <AuditLogPage navigate={navigate} />}
        {route.screen === 'bitbucket-migration' && <OAuth1MigrationPage id={route.id} navigate={navigate} />}
      </main>
    </div>
  );
}
