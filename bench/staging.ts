/**
 * Where the typed fast path's staging time goes, against DuckDB's own typed read (the
 * baseline's `read_json`), on one canonical NDJSON drop (shape 2m-1440 of the etl bench,
 * `BENCH_STAGING_ROWS` to change the size). Each figure is a ratio to that read, in the
 * same sitting:
 *  - the line split (ndjsonLinesSql: line numbers and raw text, which read_json cannot give);
 *  - the certification of every line (CERTIFIED), and the one it replaced (json_keys and
 *    json_type: two parses);
 *  - the typed parse of the certified lines (json_transform).
 * The sum of split + certification + parse against the one read is the price of the
 * guarantees (line numbers, raw text of rejected rows, refusal of anything a typed read
 * would get wrong) on this path.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BARS_PER_SYMBOL, SHAPES, session, sessionDays, symbolName, writeSymbolFile } from './etl.ts';
import type { BenchResult } from './run.ts';

export async function run(): Promise<BenchResult[]> {
  const { openDuckSession, sqlString, sqlStringList } = await import('@ohlcv/etl/duckdb');
  const { CERTIFIED, ndjsonLinesSql, NUMERIC_FIELDS } = await import('@ohlcv/etl/stage-duckdb');
  const { canonicalFields } = await import('@ohlcv/etl/stage-formats');
  // The canonical record, typed as the typed path types it: numbers DOUBLE, the rest text.
  const canonical = Object.fromEntries(
    canonicalFields.map((f) => [f, NUMERIC_FIELDS.includes(f) ? 'DOUBLE' : 'VARCHAR']),
  );
  const shape = SHAPES.find((s) => s.id === '2m-1440')!;
  const rows = Number(process.env.BENCH_STAGING_ROWS ?? shape.rows);
  const symbols = Math.max(1, Math.round(rows / BARS_PER_SYMBOL));
  const days = sessionDays(
    Math.max(1, Math.round(rows / symbols / shape.barsPerDay)),
    session(1440).weekends,
  );
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-staging-'));
  const db = await openDuckSession({ memoryLimit: '2GB', tempDirectory: path.join(root, 'spill') });
  try {
    mkdirSync(path.join(root, 'raw'));
    const files: string[] = [];
    for (let s = 0; s < symbols; s++) {
      const file = path.join(root, 'raw', `sym-${s}.ndjson`);
      await writeSymbolFile(file, symbolName(s, shape), days, s, shape);
      files.push(file);
    }
    await db.run('SET preserve_insertion_order = false');
    const columns = `{${Object.entries(canonical)
      .map(([k, v]) => `${k}: '${v}'`)
      .join(', ')}}`;
    const timed = async (sql: string): Promise<number> => {
      const t0 = performance.now();
      await db.run(sql);
      return performance.now() - t0;
    };
    const read = await timed(
      `CREATE OR REPLACE TEMP TABLE typed_read AS SELECT * FROM read_json(${sqlStringList(files)}, format = 'newline_delimited', columns = ${columns})`,
    );
    const split = await timed(`CREATE OR REPLACE TABLE staged_lines AS ${ndjsonLinesSql(files, new Map())}`);
    const certify = await timed(`SELECT count(*) FROM staged_lines WHERE NOT (${CERTIFIED})`);
    // The certification before this session: the number test was json_type, a second parse.
    const before = await timed(
      `SELECT count(*) FROM staged_lines WHERE NOT (starts_with(raw_record, '{')
         AND json_keys(raw_record) = ${sqlStringList(canonicalFields)}
         AND list_has_all(['UBIGINT', 'BIGINT', 'DOUBLE', 'NULL'], json_type(raw_record, ${sqlStringList(NUMERIC_FIELDS.map((f) => `$.${f}`))})))`,
    );
    const parse = await timed(
      `CREATE OR REPLACE TEMP TABLE typed_lines AS SELECT line_number, unnest(json_transform(raw_record, ${sqlString(JSON.stringify(canonical))})) FROM staged_lines`,
    );
    const note = `${rows.toLocaleString('en-US')} canonical NDJSON lines; read_json ${(read / 1000).toFixed(2)} s`;
    return [
      { name: 'line split / read_json', value: split / read, unit: 'x', note },
      { name: 'certification (json_keys + byte test) / read_json', value: certify / read, unit: 'x', note },
      { name: 'certification with json_type (before) / read_json', value: before / read, unit: 'x', note },
      { name: 'typed parse of the lines / read_json', value: parse / read, unit: 'x', note },
      {
        name: 'typed path staging in all / read_json',
        value: (split + certify + parse) / read,
        unit: 'x',
        note: 'split + certification + parse',
      },
    ];
  } finally {
    db.close();
    rmSync(root, { recursive: true, force: true });
  }
}
