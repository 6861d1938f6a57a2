import { CONNECTOR_PATHS, CONNECTOR_ROUTES, connectorPath } from '../../contract';
import { startTestConnector, type TestConnector } from '../helpers/connector-app';

const METHODS = ['GET', 'POST', 'PATCH', 'DELETE'] as const;

describe('the connector API contract', () => {
  let c: TestConnector;
  beforeAll(async () => {
    // FORGE_APP_ID installs the Forge channel's routes (pair, status); the JWKS is never fetched here.
    c = await startTestConnector({
      env: { FORGE_APP_ID: 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000', FORGE_JWKS_URL: 'https://jwks.example.test/.well-known/jwks.json' },
    });
  });
  afterAll(async () => c.close());

  it.each(Object.entries(CONNECTOR_PATHS))('the connector serves the contract path %s (%s)', (_name, url) => {
    const served = METHODS.filter((method) => c.app.hasRoute({ method, url }));
    expect(served.length).toBeGreaterThan(0);
  });

  it('every path the Forge app calls is a contract path with its parameters filled in', () => {
    const id = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
    const patterns = Object.values(CONNECTOR_PATHS) as string[];
    for (const route of Object.values(CONNECTOR_ROUTES)) {
      const path = typeof route === 'function' ? route(id) : route;
      expect(patterns).toContain(path.replace(id, ':id'));
    }
  });

  it('fills a parameter URI-encoded, so a value can never add a path segment', () => {
    expect(connectorPath(CONNECTOR_PATHS.link, { id: '../forge/pair' })).toBe('/v1/links/..%2Fforge%2Fpair');
    expect(connectorPath(CONNECTOR_PATHS.authorize, { id: 'a b?c' })).toBe('/v1/links/a%20b%3Fc/authorize');
  });
});
