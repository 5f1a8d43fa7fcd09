/**
 * What the dashboard reads: a query engine over the catalog and the pipeline's health.
 * The local runtime provides both; on AWS the same pages can sit on Athena and a
 * status function. The dashboard never writes and never runs the pipeline.
 */
import { createHash } from 'node:crypto';
import { type QueryEngine, type QueryParams, tableNames } from '@ohlcv/core';
import type { LocalRuntime, RuntimeStatus } from '@ohlcv/local';

export interface AlertView {
  at: string;
  severity: string;
  kind: string;
  title: string;
  message: string;
}

/** Several statements over one snapshot of the catalog (views built once). */
export interface QuerySession {
  query(sql: string, params?: QueryParams): Promise<Record<string, unknown>[]>;
  close(): void;
}

export interface DashboardSource {
  queryEngine: QueryEngine;
  /**
   * Optional: a session kept for one catalog version, so a query does not rebuild the views
   * over every partition first (most of a one-off query's time). Needs `catalogVersion`.
   */
  openSession?(): Promise<QuerySession>;
  status(): RuntimeStatus | Promise<RuntimeStatus>;
  /** Newest first. Optional: without it the overview shows no alert list. */
  alerts?(limit: number): AlertView[] | Promise<AlertView[]>;
  /** Every symbol with data, for the selector. Optional: else taken from query results. */
  symbols?(): string[] | Promise<string[]>;
  /**
   * Changes whenever query results may change (a partition registered or moved, a schema
   * version, a job run finished). Results are cached per version; without it, never.
   */
  catalogVersion?(): string;
}

const ALERT_SCAN = 2000;

/** Reads a local runtime's state; safe while another process runs the pipeline. */
export function sourceFromRuntime(rt: LocalRuntime): DashboardSource {
  return {
    queryEngine: rt.catalog.queryEngine,
    openSession: () => rt.catalog.openSession(),
    status: () => rt.status(),
    alerts(limit) {
      // The event log keeps every `Alert Raised`; the newest few are within the last events.
      return rt.eventLog
        .last(ALERT_SCAN)
        .filter((e) => e.detailType === 'Alert Raised')
        .reverse()
        .slice(0, limit)
        .map((e) => {
          const d = (e.envelope.detail ?? {}) as Record<string, unknown>;
          return {
            at: e.at,
            severity: String(d.severity ?? 'info'),
            kind: String(d.kind ?? ''),
            title: String(d.title ?? ''),
            message: String(d.message ?? ''),
          };
        });
    },
    catalogVersion: catalogVersionOf(rt),
    symbols() {
      const seen = new Set<string>();
      for (const p of rt.catalog.partitions('bars')) if (p.values.symbol) seen.add(p.values.symbol);
      return [...seen].sort();
    },
  };
}

/**
 * The catalog version of a local runtime: partitions (count, latest registration, their
 * locations), schema versions, and finished job runs (a run rewrites files inside partitions
 * that stay registered). Read with one SQLite statement (microseconds: it is asked on every
 * request); if the state tables ever change shape, the same facts through the catalog API.
 */
export function catalogVersionOf(rt: LocalRuntime): () => string {
  let statement: { get(): unknown } | undefined;
  try {
    statement = rt.db.prepare(`SELECT
      (SELECT count(*) || ':' || coalesce(max(registered_at), '') || ':' || coalesce(sum(length(location)), 0)
         || ':' || coalesce(sum(schema_version), 0) FROM catalog_partitions) AS partitions,
      (SELECT coalesce(group_concat(table_name || '=' || version), '') FROM catalog_table_versions) AS versions,
      (SELECT count(*) || ':' || coalesce(max(finished_at), '') FROM job_runs WHERE finished_at IS NOT NULL) AS runs`);
  } catch {
    statement = undefined;
  }
  if (statement) {
    const st = statement;
    return () => JSON.stringify(st.get());
  }
  return () => {
    const h = createHash('sha1');
    for (const t of tableNames) {
      h.update(`${t}@${rt.catalog.schemaVersion(t) ?? 0}\n`);
      for (const p of rt.catalog.partitions(t)) h.update(`${p.location}\n`);
    }
    h.update(JSON.stringify(rt.jobRunner.counts()));
    return h.digest('hex');
  };
}
