/**
 * [REQ-01] The API server's durable store in one SQLite file (better-sqlite3): objects, the revision, and the
 * retained watch history, so that clients resume their watches after a restart. Write-ahead log, group commit:
 * the events appended while the event loop runs are written in one transaction right after (setImmediate), and
 * `durable()` resolves once that transaction is committed; the server acknowledges a write only then. With sync
 * `full` (the default) the commit is fsynced, so an acknowledged write survives a power loss; with `normal` it
 * survives a crash or kill of the process, not of the machine. One fsync per batch instead of one per write is
 * what lets writes arriving together share it. A failed commit is final: every later append throws it (the
 * in-memory state may be ahead of the file; a restart reloads the file). A file that is not a database, or a
 * database of another program, is refused and never written to.
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import type { StoredEvent, StorePersistence, StoreState, WatchEventType } from './object-store.js';
import type { KubeObject } from './types.js';

/** 'vflt': marks the file as virtfleet's API server store (SQLite's PRAGMA application_id). */
const APPLICATION_ID = 0x76666c74;
const SCHEMA_VERSION = 1;

/** `full`: fsync per write; `normal`: SQLite's synchronous=NORMAL in WAL mode. */
export type DatabaseSync = 'full' | 'normal';

export class StoreFileError extends Error {
  constructor(
    readonly path: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(`refusing to use ${path} as the API server's database: ${why}; it was left untouched`, options);
    this.name = 'StoreFileError';
  }
}

const SCHEMA = `
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, oldest INTEGER NOT NULL);
CREATE TABLE objects (type_key TEXT NOT NULL, object_key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (type_key, object_key)) WITHOUT ROWID;
CREATE TABLE events (rv INTEGER PRIMARY KEY, type TEXT NOT NULL, type_key TEXT NOT NULL, body TEXT NOT NULL, previous TEXT);
`;

interface EventRow {
  rv: number;
  type: WatchEventType;
  type_key: string;
  body: string;
  previous: string | null;
}

function openChecked(path: string): Database.Database {
  const existing = existsSync(path) && statSync(path).size > 0;
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: existing });
  } catch (error) {
    throw new StoreFileError(path, (error as Error).message, { cause: error });
  }
  if (!existing) return db;
  try {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (applicationId !== APPLICATION_ID) throw new Error(`it is not a virtfleet database (application_id ${applicationId})`);
    if (version !== SCHEMA_VERSION) throw new Error(`its schema version ${version} is not ${SCHEMA_VERSION}`);
    db.prepare('SELECT revision FROM meta').get();
  } catch (error) {
    db.close();
    throw new StoreFileError(path, (error as Error).message, { cause: error });
  }
  return db;
}

export class SqlitePersistence implements StorePersistence {
  private readonly db: Database.Database;
  private readonly writeBatch: (events: readonly { event: StoredEvent; oldest: number }[]) => void;
  private oldest: number | undefined;
  private pending: { event: StoredEvent; oldest: number }[] = [];
  private batch: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined;
  private failure: unknown;

  /** Opens (or creates) the database file at `path`, refusing a corrupt or foreign one. */
  constructor(
    readonly path: string,
    sync: DatabaseSync = 'full',
  ) {
    this.db = openChecked(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    if ((this.db.pragma('application_id', { simple: true }) as number) !== APPLICATION_ID) {
      this.db.transaction(() => {
        this.db.exec(SCHEMA);
        this.db.pragma(`application_id = ${APPLICATION_ID}`);
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    }
    const upsert = this.db.prepare('INSERT INTO objects (type_key, object_key, body) VALUES (?, ?, ?) ON CONFLICT (type_key, object_key) DO UPDATE SET body = excluded.body');
    const remove = this.db.prepare('DELETE FROM objects WHERE type_key = ? AND object_key = ?');
    const insertEvent = this.db.prepare('INSERT INTO events (rv, type, type_key, body, previous) VALUES (?, ?, ?, ?, ?)');
    const trim = this.db.prepare('DELETE FROM events WHERE rv <= ?');
    const setMeta = this.db.prepare('INSERT INTO meta (id, revision, oldest) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, oldest = excluded.oldest');
    this.writeBatch = this.db.transaction((events: readonly { event: StoredEvent; oldest: number }[]) => {
      for (const { event, oldest } of events) {
        const meta = event.object.metadata;
        const key = `${meta.namespace ?? ''}/${meta.name ?? ''}`;
        const body = JSON.stringify(event.object);
        if (event.type === 'DELETED') remove.run(event.typeKey, key);
        else upsert.run(event.typeKey, key, body);
        insertEvent.run(event.resourceVersion, event.type, event.typeKey, body, event.previous === undefined ? null : JSON.stringify(event.previous));
        if (oldest !== this.oldest) trim.run(oldest);
        this.oldest = oldest;
      }
      const last = events[events.length - 1]!;
      setMeta.run(last.event.resourceVersion, last.oldest);
    });
  }

  load(): StoreState | undefined {
    const meta = this.db.prepare('SELECT revision, oldest FROM meta').get() as { revision: number; oldest: number } | undefined;
    if (meta === undefined) return undefined;
    this.oldest = meta.oldest;
    const objects = (this.db.prepare('SELECT type_key, body FROM objects').all() as { type_key: string; body: string }[]).map((row) => ({
      typeKey: row.type_key,
      object: JSON.parse(row.body) as KubeObject,
    }));
    const history = (this.db.prepare('SELECT rv, type, type_key, body, previous FROM events WHERE rv > ? ORDER BY rv').all(meta.oldest) as EventRow[]).map(
      (row): StoredEvent => ({
        type: row.type,
        typeKey: row.type_key,
        resourceVersion: row.rv,
        object: JSON.parse(row.body) as KubeObject,
        ...(row.previous === null ? {} : { previous: JSON.parse(row.previous) as KubeObject }),
      }),
    );
    return { revision: meta.revision, oldestWatchable: meta.oldest, objects, history };
  }

  /** Queues the event for the next batch; throws at once if an earlier commit failed. */
  append(event: StoredEvent, oldestWatchable: number): void {
    if (this.failure !== undefined) throw this.failure;
    this.pending.push({ event, oldest: oldestWatchable });
    if (this.batch === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      promise.catch(() => undefined);
      this.batch = { promise, resolve, reject };
      setImmediate(() => this.flush());
    }
  }

  /** Resolves when every event appended so far is committed (rejects with the commit's error). */
  durable(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return this.batch?.promise ?? Promise.resolve();
  }

  /** Commits the queued events in one transaction. */
  flush(): void {
    const batch = this.batch;
    const events = this.pending;
    this.batch = undefined;
    this.pending = [];
    if (batch === undefined || events.length === 0) return;
    try {
      this.writeBatch(events);
      batch.resolve();
    } catch (error) {
      this.failure = error;
      batch.reject(error);
    }
  }

  compact(oldestWatchable: number): void {
    this.flush();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM events WHERE rv <= ?').run(oldestWatchable);
      this.db.prepare('UPDATE meta SET oldest = ?').run(oldestWatchable);
    })();
    this.oldest = oldestWatchable;
  }

  close(): void {
    if (this.db.open) this.flush();
    if (this.db.open) this.db.close();
  }
}
