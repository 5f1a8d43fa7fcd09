import type { StateDb } from '../state-db.ts';

export interface LoggedEvent {
  seq: number;
  at: string;
  bus: string;
  source: string;
  detailType: string;
  routedTo: string[];
  envelope: Record<string, unknown>;
}

/**
 * Every event that crossed a local bus, with the queues it was routed to: what
 * `ohlcv events tail` follows and `status` summarises, from any process.
 */
export class EventLog {
  private readonly insert;
  private readonly afterStmt;
  private readonly lastStmt;
  private readonly pruneStmt;
  private appended = 0;

  constructor(
    private readonly db: StateDb,
    private readonly keep = 100_000,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS event_log (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL,
      bus TEXT NOT NULL,
      source TEXT NOT NULL,
      detail_type TEXT NOT NULL,
      routed_to TEXT NOT NULL,
      body TEXT NOT NULL
    )`);
    this.insert = db.prepare(
      'INSERT INTO event_log (at, bus, source, detail_type, routed_to, body) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.afterStmt = db.prepare('SELECT * FROM event_log WHERE seq > ? ORDER BY seq LIMIT ?');
    this.lastStmt = db.prepare(
      'SELECT * FROM (SELECT * FROM event_log ORDER BY seq DESC LIMIT ?) ORDER BY seq',
    );
    this.pruneStmt = db.prepare('DELETE FROM event_log WHERE seq <= (SELECT MAX(seq) FROM event_log) - ?');
  }

  append(bus: string, envelope: Record<string, unknown>, routedTo: readonly string[], at: string): void {
    this.insert.run(
      at,
      bus,
      String(envelope.source),
      String(envelope['detail-type']),
      JSON.stringify(routedTo),
      JSON.stringify(envelope),
    );
    if (++this.appended % 1000 === 0) this.prune();
  }

  /** Drops all but the newest `keep` events (done every 1000 appends); returns how many went. */
  prune(keep = this.keep): number {
    return this.pruneStmt.run(keep).changes;
  }

  after(seq: number, limit = 500): LoggedEvent[] {
    return (this.afterStmt.all(seq, limit) as Row[]).map(toEvent);
  }

  /** How many events of each detail-type crossed the buses (within what is kept). */
  countsByDetailType(): Record<string, number> {
    const rows = this.db
      .prepare('SELECT detail_type AS t, COUNT(*) AS n FROM event_log GROUP BY detail_type')
      .all() as {
      t: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  }

  /** The newest event's sequence number (0 when none). */
  lastSeq(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM event_log').get() as { s: number }).s;
  }

  last(limit: number): LoggedEvent[] {
    return (this.lastStmt.all(limit) as Row[]).map(toEvent);
  }
}

interface Row {
  seq: number;
  at: string;
  bus: string;
  source: string;
  detail_type: string;
  routed_to: string;
  body: string;
}

const toEvent = (r: Row): LoggedEvent => ({
  seq: r.seq,
  at: r.at,
  bus: r.bus,
  source: r.source,
  detailType: r.detail_type,
  routedTo: JSON.parse(r.routed_to) as string[],
  envelope: JSON.parse(r.body) as Record<string, unknown>,
});
