import { randomBytes } from 'node:crypto';
import { ETL_JOB_NAME, type Manifest, tableNames } from '@ohlcv/core';
import { reprocessFromRaw } from '@ohlcv/etl/reprocess';
import { formatOf, parse, table, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { withRuntime } from '../session.ts';

const usage = `Usage: ohlcv reprocess [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--symbols A,B] [--format table|json]

Rebuilds the processed tables from raw/ with the current ETL plan, on the engine
OHLCV_ETL_ENGINE selects (duckdb or spark). Every raw object is read again (one object
may hold any dates); no existing row takes part, so rows accepted under an older rule are
judged by today's rules. The rebuild runs into a shadow lake, then each partition in the
range gets a new version (an empty one when nothing is left in it), all committed at once
by the run summary, so an interrupted reprocess changes nothing. Every row it writes carries
the current plan version in plan_version ("ohlcv status" shows it), so
  ohlcv query --sql "SELECT plan_version, count(*) FROM ohlcv.bars GROUP BY 1"
shows what is left of older plans.

Scope: bars of the dates (and symbols) asked for plus each symbol's next partition after
the range; hourly partitions of those dates; daily partitions of the months they meet
plus the month after. Quarantine is rebuilt only by an unscoped reprocess.

Options:
  --from D      first UTC date to rebuild (default: the beginning)
  --to D        last UTC date to rebuild (default: the end)
  --symbols S   comma-separated symbols (bars only; default: all)
  --format F    table (default) or json

Exit codes: 0 rebuilt, 1 the job failed or the pipeline is running, 2 bad usage.`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const validDate = (name: string, v: unknown): string | undefined => {
  if (v === undefined) return undefined;
  const s = String(v);
  if (
    !DATE.test(s) ||
    Number.isNaN(Date.parse(`${s}T00:00:00Z`)) ||
    new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) !== s
  )
    throw new UsageError(`--${name} must be a date YYYY-MM-DD, not "${s}"`);
  return s;
};

/** --from/--to/--symbols as a scope; UsageError (exit 2) naming the flag otherwise. Shared with --stage. */
export function reprocessScopeOf(values: { from?: unknown; to?: unknown; symbols?: unknown }): {
  from: string | undefined;
  to: string | undefined;
  symbols: string[] | undefined;
} {
  const from = validDate('from', values.from);
  const to = validDate('to', values.to);
  if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  const symbols =
    values.symbols === undefined
      ? undefined
      : String(values.symbols)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (values.symbols !== undefined && !symbols?.length) throw new UsageError('--symbols names no symbol');
  return { from, to, symbols };
}

export const reprocessCommand: Command = {
  name: 'reprocess',
  summary: 'Rebuild processed tables from raw with the current plan',
  usage,
  async run(argv, io) {
    const { values } = parse(argv, {
      from: { type: 'string' },
      to: { type: 'string' },
      symbols: { type: 'string' },
      format: { type: 'string', default: 'table' },
    });
    const format = formatOf(values.format);
    const { from, to, symbols } = reprocessScopeOf(values);

    return withRuntime(io, async (rt) => {
      const holder = rt.status().engine;
      if (holder) {
        io.stderr(`ohlcv reprocess: the pipeline is running (pid ${holder.pid}); stop it first\n`);
        return 1;
      }
      const objects: Manifest['objects'] = [];
      for await (const o of rt.store.list('raw/')) {
        objects.push({ key: o.key, etag: o.etag, size: o.size, lastModified: o.lastModified.toISOString() });
      }
      if (!objects.length) {
        io.stderr('ohlcv reprocess: raw/ is empty: nothing to rebuild\n');
        return 1;
      }
      const id = `reprocess-${randomBytes(8).toString('hex')}`;
      const manifest: Manifest = {
        manifestId: id,
        createdAt: rt.clock.now().toISOString(),
        correlationId: id,
        objects,
      };
      const result = await reprocessFromRaw({
        lakeRoot: rt.home.lake,
        manifest,
        jobRunId: `jr_${id}`,
        scope: { from, to, symbols },
        runJob: (lake, m, jobRunId) => rt.etlEngine.runOn(lake, m, jobRunId, ETL_JOB_NAME),
      });
      for (const t of tableNames) {
        const parts = result.replaced.filter((p) => p.table === t);
        if (parts.length) await rt.catalog.catalog.registerPartitions(t, parts);
      }
      const perTable = tableNames.map((t) => ({
        table: t,
        replaced: result.replaced.filter((p) => p.table === t && p.rows > 0).length,
        emptied: result.removed.filter((p) => p.table === t).length,
        rows: result.replaced.filter((p) => p.table === t).reduce((n, p) => n + p.rows, 0),
      }));
      const out = {
        jobRunId: result.summary.jobRunId,
        engine: rt.etlEngine.name,
        planVersion: result.summary.planVersion,
        objects: objects.length,
        rowsIn: result.summary.rowsIn,
        rowsQuarantined: result.summary.rowsQuarantined,
        tables: perTable,
      };
      if (format === 'json') io.stdout(`${toJson(out)}\n`);
      else {
        io.stdout(
          `rebuilt from ${objects.length} raw objects on ${out.engine}, plan ${out.planVersion} (run ${out.jobRunId})\n`,
        );
        io.stdout(table(perTable));
      }
      return 0;
    });
  },
};
