import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileKeyValueStore } from '../../preview/file-key-value-store';

/** The preview's kvs: the in-memory twin's rules, kept in a file across restarts. */
describe('FileKeyValueStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'preview-kvs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps values, secrets and expiries in its file, and a new store reads them back', async () => {
    const file = path.join(dir, 'kvs.json');
    const store = new FileKeyValueStore(file);
    await store.set('link:1', { name: 'Jira' });
    await store.set('token:1', { t: 1 }, { ttlSeconds: 3600 });
    await store.set('gone', 1);
    await store.delete('gone');
    await store.setSecret('secret:1', { hash: 'abc' });
    expect(await store.swap('link:1', { name: 'Jira DC' })).toEqual({ name: 'Jira' });
    store.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const reopened = new FileKeyValueStore(file);
    expect(await reopened.get('link:1')).toEqual({ name: 'Jira DC' });
    expect(await reopened.get('gone')).toBeUndefined();
    expect(await reopened.getSecret('secret:1')).toEqual({ hash: 'abc' });
    expect(reopened.snapshot().values['token:1']?.expiresAt).toBeGreaterThan(Date.now());
    expect((await reopened.query('link:')).items).toEqual([{ key: 'link:1', value: { name: 'Jira DC' } }]);
  });

  it('keeps custom entities across a restart, and their index answers from the file', async () => {
    const file = path.join(dir, 'kvs.json');
    const store = new FileKeyValueStore(file);
    await store.transact([{ kind: 'set', entity: 'applink', key: 'l1', value: { sortName: 'jira\tl1', version: 1, record: { name: 'Jira' } } }]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const reopened = new FileKeyValueStore(file);
    expect(await reopened.getEntity('applink', 'l1')).toEqual({ sortName: 'jira\tl1', version: 1, record: { name: 'Jira' } });
    expect((await reopened.queryEntity('applink', { index: 'by-name' })).items.map((i) => i.key)).toEqual(['l1']);
  });

  it('writes the file by itself shortly after a change', async () => {
    const file = path.join(dir, 'kvs.json');
    const store = new FileKeyValueStore(file);
    await store.set('a', 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await new FileKeyValueStore(file).get('a')).toBe(1);
  });
});
