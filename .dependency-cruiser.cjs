/**
 * The layering rules, checked by `npm test` (test/architecture/layers.test.ts). Each rule is a
 * promise the README makes about the code's shape:
 *  - no import circles anywhere;
 *  - the two deployables share nothing but contract/: the connector (connector/) and the Forge app
 *    (src/, static/, preview/) never import each other, and contract/ imports neither;
 *  - inside the connector, imports run one way: routes -> services -> protocol client, vault ->
 *    storage. Domain code raises coded errors and never reaches into the HTTP layer.
 * Folder names are the layers; a new folder must be placed in one of them below.
 */
const CONNECTOR = '^connector/src/';
const ROUTE_FILES = `${CONNECTOR}[^/]+/routes[.]ts$`;
const HTTP = `${CONNECTOR}http/`;
// Everything the HTTP layer sits on: services, protocol client, vault, storage and their helpers.
const DOMAIN = `${CONNECTOR}(links|consumers|credentials|tokens|oauth|discovery|monitoring|alerts|forge|outbound|vault|storage|observability)/`;
const LOWER = `${CONNECTOR}(tokens|oauth|outbound|vault|storage)/`;
const SERVICES = `${CONNECTOR}(links|consumers|credentials|tokens|discovery|monitoring|alerts|forge)/`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import circle ties rooms that should stand apart.', from: {}, to: { circular: true } },
    { name: 'contract-stands-alone', severity: 'error', comment: 'contract/ is the one description of every wire; it imports nothing of either side.', from: { path: '^contract/' }, to: { path: '^(connector|src|static|preview|scripts|sandbox)/' } },
    { name: 'connector-not-forge', severity: 'error', comment: 'The connector and the Forge app share nothing but contract/.', from: { path: '^connector/' }, to: { path: '^(src|static|preview)/' } },
    { name: 'forge-not-connector', severity: 'error', comment: 'The Forge app and the connector share nothing but contract/ (preview/ is the local harness that runs both).', from: { path: '^(src|static)/' }, to: { path: '^connector/' } },
    { name: 'admin-page-not-backend', severity: 'error', comment: 'The admin page runs in the browser: it talks to resolvers through contract/ and @forge/bridge only.', from: { path: '^static/' }, to: { path: '^(src|preview)/' } },
    { name: 'screens-not-app', severity: 'error', comment: 'The admin page: App imports the screens, never the other way (navigation lives in navigation.ts).', from: { path: '^static/admin/src/(screens|components|link|hooks)/' }, to: { path: '^static/admin/src/(App|main)[.]tsx$' } },
    { name: 'deployables-not-tests', severity: 'error', from: { path: '^(connector|src|static|contract)/' }, to: { path: '^(test|scripts|sandbox)/' } },
    { name: 'only-wiring-imports-routes', severity: 'error', comment: 'Routes are the top layer: only the wiring files at the top of connector/src (app.ts, forge-channel.ts) register them.', from: { path: `${CONNECTOR}[^/]+/`, pathNot: ROUTE_FILES }, to: { path: ROUTE_FILES } },
    { name: 'domain-not-http', severity: 'error', comment: 'Domain code raises coded errors; http/error-handler.ts maps them to HTTP in one place.', from: { path: DOMAIN, pathNot: ROUTE_FILES }, to: { path: HTTP } },
    { name: 'lower-not-services', severity: 'error', comment: 'The protocol client, outbound policy, vault and storage never reach up into the services.', from: { path: LOWER }, to: { path: SERVICES, pathNot: LOWER } },
    { name: 'storage-at-the-bottom', severity: 'error', comment: 'Storage imports nothing of the connector but itself.', from: { path: `${CONNECTOR}storage/` }, to: { path: CONNECTOR, pathNot: [`${CONNECTOR}storage/`] } },
    { name: 'vault-above-storage-only', severity: 'error', from: { path: `${CONNECTOR}vault/` }, to: { path: CONNECTOR, pathNot: [`${CONNECTOR}(vault|storage)/`] } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
