/**
 * What the dashboard reads: a query engine over the catalog and the pipeline's health.
 * The local runtime provides both; on AWS the same pages can sit on Athena and a
 * status function. The dashboard never writes and never runs the pipeline.
 */
import { createHash } from 'node:crypto';
import { type QueryEngine, tableNames } from '@ohlcv/core';
import type { LocalRuntime, RuntimeStatus } from '@ohlcv/local';

export interface AlertView {
  at: string;
  severity: string;
  kind: string;
  title: string;
  message: string;
}

export interface DashboardSource {
  queryEngine: QueryEngine;
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
    catalogVersion() {
      // Partitions (values, location) and schema versions say what a query reads; a job run
      // rewrites files inside registered partitions, so its completion counts too.
      const h = createHash('sha1');
      for (const t of tableNames) {
        h.update(`${t}@${rt.catalog.schemaVersion(t) ?? 0}\n`);
        for (const p of rt.catalog.partitions(t)) h.update(`${p.location}\n`);
      }
      h.update(JSON.stringify(rt.jobRunner.counts()));
      return h.digest('hex');
    },
    symbols() {
      const seen = new Set<string>();
      for (const p of rt.catalog.partitions('bars')) if (p.values.symbol) seen.add(p.values.symbol);
      return [...seen].sort();
    },
  };
}
