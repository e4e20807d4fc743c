import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore } from '../../../src/apiserver/object-store.js';
import { SqlitePersistence } from '../../../src/apiserver/sqlite-persistence.js';
import type { KubeObject, ResourceType } from '../../../src/apiserver/types.js';
import { WatchHub } from '../../../src/apiserver/watch-hub.js';

const TYPE = { group: 'virtfleet.io', version: 'v1alpha1', kind: 'VirtualMachine', listKind: 'VirtualMachineList', plural: 'virtualmachines', singular: 'virtualmachine', namespaced: true, shortNames: [], categories: [], hasStatus: true, custom: true, printerColumns: [] } as unknown as ResourceType;
const KEY = 'virtfleet.io/virtualmachines';
const vm = (name: string): KubeObject => ({ apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name, namespace: 'default' }, spec: {} });

/** The parts of a ServerResponse a watch stream uses, collecting the event lines. */
class CapturedResponse extends EventEmitter {
  lines: string[] = [];
  writableEnded = false;
  destroyed = false;
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.lines.push(...chunk.split('\n').filter((line) => line !== ''));
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
}

describe('[REQ-01] watches on a persisted store: an event written before the watch started is sent once', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'virtfleet-watch-durable-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  for (const resourceVersion of ['0', 'history']) {
    it(`starting from ${resourceVersion === '0' ? 'a list (resourceVersion 0)' : 'history (the resourceVersion before the write)'} while the write is not yet durable: one ADDED, not two`, async () => {
      const store = new ObjectStore(100, new SqlitePersistence(join(dir, 'state.db')));
      const hub = new WatchHub(store, { closeAfterMs: undefined, bookmarkIntervalMs: 60_000 });
      const start = String(store.currentResourceVersion);
      store.commit(KEY, 'ADDED', vm('a'));
      const response = new CapturedResponse();
      const request = new EventEmitter();
      hub.serve(request as IncomingMessage, response as unknown as ServerResponse, {
        type: TYPE, namespace: undefined, matches: () => true, resourceVersion: resourceVersion === '0' ? '0' : start,
        timeoutSeconds: undefined, allowBookmarks: false, render: (object) => object,
      });
      await store.durable();
      await new Promise((resolve) => setImmediate(resolve));
      store.commit(KEY, 'ADDED', vm('b'));
      await store.durable();
      await new Promise((resolve) => setImmediate(resolve));
      const events = response.lines.map((line) => JSON.parse(line) as { type: string; object: KubeObject });
      expect(events.map((event) => `${event.type} ${event.object.metadata.name}`)).to.deep.equal(['ADDED a', 'ADDED b']);
      hub.dropAll();
      store.close();
    });
  }
});
