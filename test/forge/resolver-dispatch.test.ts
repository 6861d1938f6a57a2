import Resolver from '@forge/resolver';
import { RESOLVER_KEYS, ResolverFailureSchema, type ResolverKey } from '../../contract';
import { startForgeApp } from './helpers/forge-app';

/** Every name a plain object answers to without declaring it: `constructor`, `toString`, `__proto__`... */
const INHERITED_NAMES = Object.getOwnPropertyNames(Object.prototype);

describe('resolver dispatch', () => {
  it('the bare @forge/resolver would dispatch an inherited name (the hole the guard closes)', async () => {
    const bare = new Resolver().define('declared', () => ({ ok: true })).getDefinitions();
    const echoed = await bare({ call: { functionKey: 'constructor', payload: { probe: 'x' } }, context: {} as never });
    expect(echoed).toMatchObject({ payload: { probe: 'x' } });
  });

  it.each(INHERITED_NAMES)('refuses the inherited key %s before dispatch: no admin check, no storage, no connector, no echo', async (name) => {
    const app = startForgeApp();
    const result = await app.invoke(name as ResolverKey, { marker: 'echo-me-not' });
    const failure = ResolverFailureSchema.parse(result);
    expect(failure.status).toBe(404);
    expect(failure.errors[0]?.code).toBe('UNKNOWN_RESOLVER');
    expect(JSON.stringify(result)).not.toContain('echo-me-not');
    expect(app.adminChecks).toEqual([]);
    expect(app.operations).toEqual([]);
    expect(app.connector.calls).toEqual([]);
  });

  it.each(['', 'ListLinks', 'listLinks ', 'unknownAction'])('refuses the undeclared key %j the same way', async (name) => {
    const app = startForgeApp();
    const failure = ResolverFailureSchema.parse(await app.invoke(name as ResolverKey, {}));
    expect(failure.errors[0]?.code).toBe('UNKNOWN_RESOLVER');
    expect(app.adminChecks).toEqual([]);
  });

  it('still dispatches every declared key (to its admin check)', async () => {
    const app = startForgeApp();
    for (const key of RESOLVER_KEYS) await app.invoke(key, {});
    expect(app.adminChecks).toHaveLength(RESOLVER_KEYS.length);
  });
});
