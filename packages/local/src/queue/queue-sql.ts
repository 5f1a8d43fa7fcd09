/**
 * The queue store's SQL: its two tables and every statement it runs, prepared once per
 * connection, with the row shapes they answer. Values are always bound, never spliced.
 */
import type BetterSqlite3 from 'better-sqlite3';

type Database = BetterSqlite3.Database;

export interface MessageRow {
  seq: number;
  message_id: string;
  queue: string;
  body: string;
  md5: string;
  message_attributes: string | null;
  sender_id: string;
  sent_at: number;
  visible_at: number;
  expires_at: number;
  receive_count: number;
  first_received_at: number | null;
  receipt_token: string | null;
  source_queue: string | null;
}

export interface QueueRow {
  name: string;
  visibility_timeout_s: number;
  max_receive_count: number | null;
  retention_s: number;
  dlq_name: string | null;
  batch_size: number;
  max_batching_window_s: number;
}

export const QUEUE_SCHEMA = `
CREATE TABLE IF NOT EXISTS queue_queues (
  name TEXT PRIMARY KEY,
  visibility_timeout_s REAL NOT NULL,
  max_receive_count INTEGER,
  retention_s REAL NOT NULL,
  dlq_name TEXT,
  batch_size INTEGER NOT NULL,
  max_batching_window_s REAL NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS queue_messages (
  seq INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  md5 TEXT NOT NULL,
  message_attributes TEXT,
  sender_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_received_at INTEGER,
  receipt_token TEXT,
  source_queue TEXT
);
CREATE INDEX IF NOT EXISTS queue_messages_by_visibility ON queue_messages (queue, visible_at);
`;

export function prepareQueueStatements(db: Database) {
  return {
    getQueue: db.prepare<[string], QueueRow>('SELECT * FROM queue_queues WHERE name = ?'),
    listQueues: db.prepare<[], QueueRow>('SELECT * FROM queue_queues ORDER BY name'),
    queuesWithDlq: db.prepare<[string], { name: string }>(
      'SELECT name FROM queue_queues WHERE dlq_name = ? ORDER BY name',
    ),
    upsertQueue: db.prepare(
      `INSERT INTO queue_queues (name, visibility_timeout_s, max_receive_count, retention_s, dlq_name,
         batch_size, max_batching_window_s, created_at)
       VALUES (@name, @vt, @mrc, @retention, @dlq, @batchSize, @window, @now)
       ON CONFLICT (name) DO UPDATE SET visibility_timeout_s = excluded.visibility_timeout_s,
         max_receive_count = excluded.max_receive_count, retention_s = excluded.retention_s,
         dlq_name = excluded.dlq_name, batch_size = excluded.batch_size,
         max_batching_window_s = excluded.max_batching_window_s`,
    ),
    insertMessage: db.prepare(
      `INSERT INTO queue_messages (message_id, queue, body, md5, message_attributes, sender_id, sent_at,
         visible_at, expires_at)
       VALUES (@messageId, @queue, @body, @md5, @attrs, @senderId, @now, @visibleAt, @expiresAt)`,
    ),
    selectVisible: db.prepare<[string, number, number, number], MessageRow>(
      `SELECT * FROM queue_messages WHERE queue = ? AND visible_at <= ? AND expires_at > ?
       ORDER BY visible_at, seq LIMIT ?`,
    ),
    markReceived: db.prepare(
      `UPDATE queue_messages SET receive_count = receive_count + 1, receipt_token = @token,
         visible_at = @visibleAt, first_received_at = COALESCE(first_received_at, @now) WHERE seq = @seq`,
    ),
    moveToDlq: db.prepare(
      `UPDATE queue_messages SET queue = @dlq, source_queue = @source, receipt_token = NULL,
         visible_at = @now, expires_at = @expiresAt WHERE seq = @seq`,
    ),
    deleteByHandle: db.prepare<[number, string, string]>(
      'DELETE FROM queue_messages WHERE seq = ? AND queue = ? AND receipt_token = ?',
    ),
    changeVisibility: db.prepare<[number, number, string, string, number]>(
      `UPDATE queue_messages SET visible_at = ? WHERE seq = ? AND queue = ? AND receipt_token = ?
         AND visible_at > ?`,
    ),
    findByHandle: db.prepare<[number, string, string], { visible_at: number }>(
      'SELECT visible_at FROM queue_messages WHERE seq = ? AND queue = ? AND receipt_token = ?',
    ),
    stats: db.prepare<
      { queue: string; now: number },
      { visible: number | null; in_flight: number | null; delayed: number | null; oldest: number | null }
    >(
      `SELECT SUM(visible_at <= @now) AS visible,
         SUM(visible_at > @now AND receipt_token IS NOT NULL) AS in_flight,
         SUM(visible_at > @now AND receipt_token IS NULL) AS delayed,
         MIN(sent_at) AS oldest
       FROM queue_messages WHERE queue = @queue AND expires_at > @now`,
    ),
    peek: db.prepare<[string, number, number], MessageRow>(
      'SELECT * FROM queue_messages WHERE queue = ? AND expires_at > ? ORDER BY seq LIMIT ?',
    ),
    redriveCandidates: db.prepare<[string, number, number, number], MessageRow>(
      `SELECT * FROM queue_messages WHERE queue = ? AND visible_at <= ? AND expires_at > ?
       ORDER BY seq LIMIT ?`,
    ),
    redriveOne: db.prepare(
      `UPDATE queue_messages SET queue = @queue, receive_count = 0, first_received_at = NULL,
         receipt_token = NULL, source_queue = NULL, visible_at = @now, expires_at = @expiresAt
       WHERE seq = @seq`,
    ),
    purge: db.prepare<[string]>('DELETE FROM queue_messages WHERE queue = ?'),
    sweep: db.prepare<[number]>('DELETE FROM queue_messages WHERE expires_at <= ?'),
  };
}

export type QueueStatements = ReturnType<typeof prepareQueueStatements>;
