// The host's SQLite file (better-sqlite3): queue, history and saved workflows live here so that a
// restart keeps them.
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as path from 'path';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queue (
  id TEXT PRIMARY KEY, number REAL NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL,
  prompt TEXT NOT NULL, outputs TEXT NOT NULL, extra TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS queue_order ON queue (state, number, seq);
CREATE TABLE IF NOT EXISTS history (
  id TEXT PRIMARY KEY, seq INTEGER NOT NULL, item TEXT NOT NULL, status TEXT NOT NULL,
  outputs TEXT NOT NULL, messages TEXT NOT NULL, started_at INTEGER, finished_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS history_seq ON history (seq);
CREATE TABLE IF NOT EXISTS workflows (
  name TEXT PRIMARY KEY, revision INTEGER NOT NULL, workflow TEXT NOT NULL, updated_at INTEGER NOT NULL);
`;

/** Opens (creating if needed) the database file; `:memory:` for a throwaway one. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  return db;
}

/** Next value of a persistent counter. */
export function nextCounter(db: Db, key: string): number {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  const n = (row ? Number(row.value) : 0) + 1;
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, String(n));
  return n;
}
