import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore, type StoredEvent } from '../../../src/apiserver/object-store.js';
import { SqlitePersistence } from '../../../src/apiserver/sqlite-persistence.js';
import type { KubeObject } from '../../../src/apiserver/types.js';

const KEY = 'virtfleet.io/virtualmachines';
const vm = (name: string): KubeObject => ({ apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name, namespace: 'default' }, spec: {} });
const rowsIn = (path: string): number => {
  const reader = new Database(path, { readonly: true });
  try {
    return (reader.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    reader.close();
  }
};

describe('[REQ-01][REQ-06] SQLite store group commit: writes of one event-loop turn share a transaction, watchers see only durable events', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'virtfleet-group-commit-'));
    path = join(dir, 'state.db');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('commits the writes of one turn together, after the turn, and tells watchers only then, in order', async () => {
    const store = new ObjectStore(100, new SqlitePersistence(path));
    const seen: string[] = [];
    store.subscribe((event: StoredEvent) => seen.push(event.object.metadata.name!));
    for (const name of ['a', 'b', 'c']) store.commit(KEY, 'ADDED', vm(name));
    expect(rowsIn(path)).to.equal(0);
    expect(seen).to.deep.equal([]);
    await store.durable();
    expect(rowsIn(path)).to.equal(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).to.deep.equal(['a', 'b', 'c']);
    store.close();
  });

  it('fails the whole batch, and every later write, once a commit failed', async () => {
    const persistence = new SqlitePersistence(path);
    const event = (name: string, resourceVersion: number): StoredEvent => ({ type: 'ADDED', typeKey: KEY, resourceVersion, object: { ...vm(name), metadata: { ...vm(name).metadata, resourceVersion: String(resourceVersion) } } });
    persistence.append(event('a', 5), 1);
    persistence.append(event('b', 5), 1);
    let failure: unknown;
    await persistence.durable().catch((error: unknown) => (failure = error));
    expect(String(failure)).to.match(/UNIQUE constraint failed|PRIMARY KEY/);
    expect(() => persistence.append(event('c', 6), 1)).to.throw(/UNIQUE constraint failed|PRIMARY KEY/);
    expect(rowsIn(path)).to.equal(0);
    persistence.close();
  });
});
