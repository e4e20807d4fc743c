import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore } from '../../../src/apiserver/object-store.js';
import { SqlitePersistence, StoreFileError } from '../../../src/apiserver/sqlite-persistence.js';
import type { KubeObject } from '../../../src/apiserver/types.js';

const KEY = 'virtfleet.io/virtualmachines';

function vm(name: string, cpus: number): KubeObject {
  return { apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name, namespace: 'default' }, spec: { cpus } };
}

describe('[REQ-01] SQLite store of the API server', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'virtfleet-sqlite-'));
    path = join(dir, 'state.db');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps objects, the revision and the watch history (with previous objects) across a reopen', () => {
    const first = new ObjectStore(100, new SqlitePersistence(path));
    first.commit(KEY, 'ADDED', vm('a', 1));
    const modified = first.commit(KEY, 'MODIFIED', vm('a', 2));
    first.commit(KEY, 'ADDED', vm('b', 1));
    first.commit(KEY, 'DELETED', vm('b', 1));
    const revision = first.currentResourceVersion;
    first.close();

    const second = new ObjectStore(100, new SqlitePersistence(path));
    expect(second.currentResourceVersion).to.equal(revision);
    expect(second.list(KEY)).to.deep.equal([modified]);
    const history = second.eventsSince(KEY, revision - 4);
    expect(history.expired).to.equal(false);
    if (history.expired) return;
    expect(history.events.map((e) => [e.type, e.object.metadata.name, e.resourceVersion])).to.deep.equal([
      ['ADDED', 'a', revision - 3],
      ['MODIFIED', 'a', revision - 2],
      ['ADDED', 'b', revision - 1],
      ['DELETED', 'b', revision],
    ]);
    expect((history.events[1]!.previous?.spec as { cpus: number }).cpus).to.equal(1);
    expect(second.commit(KEY, 'ADDED', vm('c', 1)).metadata.resourceVersion).to.equal(String(revision + 1));
    second.close();
  });

  it('keeps only the newest history after trimming and after compaction, also across a reopen', () => {
    const store = new ObjectStore(2, new SqlitePersistence(path));
    for (let i = 0; i < 5; i += 1) store.commit(KEY, 'ADDED', vm(`n${i}`, 1));
    const oldest = store.oldestResourceVersion;
    expect(oldest).to.equal(store.currentResourceVersion - 2);
    store.close();
    const reopened = new ObjectStore(2, new SqlitePersistence(path));
    expect(reopened.oldestResourceVersion).to.equal(oldest);
    expect(reopened.eventsSince(KEY, oldest - 1).expired).to.equal(true);
    reopened.compact();
    reopened.close();
    const compacted = new ObjectStore(2, new SqlitePersistence(path));
    expect(compacted.oldestResourceVersion).to.equal(compacted.currentResourceVersion);
    expect(compacted.list(KEY)).to.have.length(5);
    compacted.close();
  });

  it('refuses a file that is not a database, naming it, and leaves it byte for byte as it was', async () => {
    const garbage = Buffer.from('this is not SQLite, but it is someone\'s file\n'.repeat(100));
    await writeFile(path, garbage);
    expect(() => new SqlitePersistence(path)).to.throw(StoreFileError, new RegExp(`refusing to use ${path}.*not a database`));
    expect(await readFile(path)).to.deep.equal(garbage);
  });

  it('refuses a SQLite database of another program and does not write to it', async () => {
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (\'keep me\')');
    foreign.close();
    const before = await readFile(path);
    expect(() => new SqlitePersistence(path)).to.throw(StoreFileError, /not a virtfleet database \(application_id 0\)/);
    expect(await readFile(path)).to.deep.equal(before);
  });
});
