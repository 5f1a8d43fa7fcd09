/**
 * `pnpm verify:trino` (not part of `pnpm test`): every sql/queries file on Trino — Athena
 * engine v3's engine — against the same Parquet lake, compared with DuckDB's answer.
 *
 * A lake is built by the local runtime from generated drops (several symbols, weeks of
 * hourly bars, a missing day). Trino's Hive connector (file metastore, local file system)
 * gets the tables of core/tables.ts and exactly the partition locations the local catalog
 * registered (the committed version folders); each query runs in its Athena form
 * (`?` + EXECUTE ... USING, as Athena's ExecutionParameters bind) and its rows must equal
 * DuckDB's (doubles within 1e-12 relative, timestamps compared as text).
 *
 * Needs trino-server (TRINO_HOME, default ~/.cache/ohlcv-data-engine/trino/trino-server-476:
 * https://repo1.maven.org/maven2/io/trino/trino-server/476/trino-server-476.tar.gz, sha1
 * c9b38be4017ebd2f7095455aaac772fb40247ebe) and Java 25 (TRINO_JAVA_HOME, default
 * /usr/lib/jvm/temurin-25-jdk-amd64). The server listens on 127.0.0.1 only. Exit codes: 0
 * every query agrees, 1 a query differs or Trino failed, 2 Trino or Java is missing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ColumnType, type TableName, tableNames, tables } from '@ohlcv/core';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { localServices } from '@ohlcv/stack';
import { createTwelveDataClient } from '@ohlcv/twelvedata';
import { loadQueries, resolveParams, toAthena } from './index.ts';

const TRINO_HOME =
  process.env.TRINO_HOME ?? join(homedir(), '.cache', 'ohlcv-data-engine', 'trino', 'trino-server-476');
const JAVA_HOME = process.env.TRINO_JAVA_HOME ?? '/usr/lib/jvm/temurin-25-jdk-amd64';
const PORT = Number(process.env.TRINO_PORT ?? 18480);
const REL = 1e-12;

const trinoType: Record<ColumnType, string> = {
  string: 'varchar',
  double: 'double',
  bigint: 'bigint',
  timestamp: 'timestamp(6)',
  date: 'date',
  'array<string>': 'array(varchar)',
};

/** Hourly bars 14:00-20:00 UTC of weekdays in Jan-Feb 2024 for three symbols; AAPL skips 2024-01-17. */
function drops(): Array<{ key: string; body: string }> {
  const out: Array<{ key: string; body: string }> = [];
  const symbols = ['AAPL', 'MSFT', 'BTC/USD'];
  for (const [si, symbol] of symbols.entries()) {
    const lines = ['symbol,interval,timestamp,open,high,low,close,volume'];
    let price = 100 + 50 * si;
    for (let d = new Date('2024-01-02T00:00:00Z'); d < new Date('2024-03-01T00:00:00Z'); ) {
      const day = d.toISOString().slice(0, 10);
      const weekday = d.getUTCDay() % 6 !== 0;
      if (weekday && !(symbol === 'AAPL' && day === '2024-01-17')) {
        for (let h = 14; h <= 20; h++) {
          // Deterministic wiggle: a reproducible lake, not random data.
          const step = Math.sin(si * 7 + d.getUTCDate() * 3 + h) * 1.5;
          const open = price;
          const close = Math.max(1, price + step);
          const high = Math.max(open, close) + 0.5;
          const low = Math.min(open, close) - 0.5;
          const volume = 1000 + ((si * 131 + d.getUTCDate() * 17 + h * 7) % 500);
          lines.push(
            `${symbol},1h,${day}T${String(h).padStart(2, '0')}:00:00Z,${open},${high},${low},${close},${volume}`,
          );
          price = close;
        }
      }
      d = new Date(d.getTime() + 86_400_000);
    }
    // One rejected row per drop: quarantine has rows too.
    lines.push(`${symbol},1h,2024-01-05T21:00:00Z,not-a-price,1,1,1,1`);
    out.push({ key: `raw/drops/verify-${si}.csv`, body: `${lines.join('\n')}\n` });
  }
  return out;
}

interface TrinoResult {
  columns: string[];
  rows: unknown[][];
}

async function trino(sql: string, headers: Record<string, string> = {}): Promise<TrinoResult> {
  const base = {
    'X-Trino-User': 'verify',
    'X-Trino-Catalog': 'hive',
    'X-Trino-Schema': 'ohlcv',
    ...headers,
  };
  let res = await fetch(`http://127.0.0.1:${PORT}/v1/statement`, {
    method: 'POST',
    body: sql,
    headers: base,
  });
  const rows: unknown[][] = [];
  let columns: string[] = [];
  for (;;) {
    if (!res.ok) throw new Error(`Trino HTTP ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as {
      nextUri?: string;
      columns?: Array<{ name: string }>;
      data?: unknown[][];
      error?: { message: string };
    };
    if (body.error) throw new Error(`Trino: ${body.error.message}`);
    if (body.columns) columns = body.columns.map((c) => c.name);
    if (body.data) rows.push(...body.data);
    if (!body.nextUri) return { columns, rows };
    res = await fetch(body.nextUri, { headers: base });
  }
}

async function waitForTrino(server: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`Trino exited: ${readFileSync(log, 'utf8').slice(-2000)}`);
    try {
      const info = (await (await fetch(`http://127.0.0.1:${PORT}/v1/info`)).json()) as { starting: boolean };
      if (!info.starting) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('Trino did not start within 180 s');
}

function startTrino(root: string): { server: ChildProcess; log: string } {
  const etc = join(root, 'etc');
  mkdirSync(join(etc, 'catalog'), { recursive: true });
  writeFileSync(
    join(etc, 'node.properties'),
    `node.environment=verify\nnode.id=verify\nnode.data-dir=${join(root, 'data')}\nnode.bind-ip=127.0.0.1\nnode.internal-address=127.0.0.1\n`,
  );
  writeFileSync(
    join(etc, 'jvm.config'),
    '-server\n-Xmx2G\n-XX:+UseG1GC\n-XX:+ExitOnOutOfMemoryError\n-Djdk.attach.allowAttachSelf=true\n',
  );
  writeFileSync(
    join(etc, 'config.properties'),
    `coordinator=true\nnode-scheduler.include-coordinator=true\nhttp-server.http.port=${PORT}\ndiscovery.uri=http://127.0.0.1:${PORT}\nquery.max-memory=1GB\nquery.max-memory-per-node=1GB\n`,
  );
  // local:///x is <root>/x: the lake is local:///home/lake/...
  writeFileSync(
    join(etc, 'catalog', 'hive.properties'),
    [
      'connector.name=hive',
      'hive.metastore=file',
      'hive.metastore.catalog.dir=local:///metastore',
      'fs.native-local.enabled=true',
      `local.location=${root}`,
      'hive.timestamp-precision=MICROSECONDS',
      'hive.allow-register-partition-procedure=true',
      '',
    ].join('\n'),
  );
  const log = join(root, 'server.log');
  const server = spawn(
    join(TRINO_HOME, 'bin', 'launcher'),
    ['run', `--etc-dir=${etc}`, `--data-dir=${join(root, 'data')}`],
    {
      env: { ...process.env, JAVA_HOME, PATH: `${join(JAVA_HOME, 'bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const chunks: Buffer[] = [];
  server.stdout?.on('data', (b: Buffer) => chunks.push(b));
  server.stderr?.on('data', (b: Buffer) => chunks.push(b));
  server.on('exit', () => writeFileSync(log, Buffer.concat(chunks)));
  const flush = setInterval(() => writeFileSync(log, Buffer.concat(chunks)), 2000);
  server.on('exit', () => clearInterval(flush));
  flush.unref();
  return { server, log };
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

function createTableSql(name: TableName): string {
  const spec = tables[name];
  const keys = spec.partitionKeys as readonly string[];
  const cols = [
    ...spec.columns.filter((c) => !keys.includes(c.name)).map((c) => `"${c.name}" ${trinoType[c.type]}`),
    ...keys.map((k) => `"${k}" varchar`),
  ];
  return `CREATE TABLE hive.ohlcv.${name} (${cols.join(', ')}) WITH (format = 'PARQUET', partitioned_by = ARRAY[${keys.map(quote).join(', ')}], external_location = ${quote(`local:///home/lake/${spec.location}`)})`;
}

/** Text for comparison: timestamps without trailing zero fractions, numbers within REL. */
const normal = (v: unknown): unknown => {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(v))
    return v
      .replace('T', ' ')
      .replace(/(\.\d*?)0+$/, '$1')
      .replace(/\.$/, '');
  if (typeof v === 'bigint') return Number(v);
  return v;
};
const same = (a: unknown, b: unknown): boolean => {
  const x = normal(a);
  const y = normal(b);
  if (typeof x === 'number' && typeof y === 'number')
    return x === y || Math.abs(x - y) <= REL * Math.max(Math.abs(x), Math.abs(y));
  return JSON.stringify(x) === JSON.stringify(y);
};

/** Rows in a canonical order (numbers to 10 significant digits, so 1e-12 noise sorts alike). */
const sortRows = (rows: unknown[][]): unknown[][] => {
  const key = (r: unknown[]) =>
    JSON.stringify(
      r.map((v) =>
        typeof normal(v) === 'number' ? Number((normal(v) as number).toPrecision(10)) : normal(v),
      ),
    );
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
};

async function main(): Promise<number> {
  if (!existsSync(join(TRINO_HOME, 'bin', 'launcher')) || !existsSync(join(JAVA_HOME, 'bin', 'java'))) {
    process.stderr.write(
      `verify:trino needs trino-server 476 at ${TRINO_HOME} (TRINO_HOME) and Java 25 at ${JAVA_HOME} (TRINO_JAVA_HOME); see the header of sql/queries/verify-trino.ts for the download\n`,
    );
    return 2;
  }
  const root = mkdtempSync(join(tmpdir(), 'ohlcv-verify-trino-'));
  let server: ChildProcess | undefined;
  try {
    // The lake, built by the local runtime (DuckDB engine), as `ohlcv drop` + `drain` would.
    const home = resolveHome({ OHLCV_HOME: join(root, 'home') }, root);
    const rt = LocalRuntime.open({ home });
    rt.attachServices(
      localServices({
        marketData: createTwelveDataClient({ apiKey: 'unused', baseUrl: 'http://127.0.0.1:9' }),
        env: {},
      }),
    );
    const started = startTrino(root);
    server = started.server;
    try {
      for (const d of drops()) await rt.store.put(d.key, d.body);
      await rt.drain();
      await waitForTrino(server, started.log);
      await trino(`CREATE SCHEMA hive.ohlcv WITH (location = 'local:///schema')`);
      for (const name of tableNames) {
        // Trino wants the table folder to exist, even when no run wrote it.
        mkdirSync(join(home.lake, tables[name].location), { recursive: true });
        await trino(createTableSql(name));
        const keys = tables[name].partitionKeys as readonly string[];
        for (const p of rt.catalog.partitions(name)) {
          await trino(
            `CALL hive.system.register_partition('ohlcv', ${quote(name)}, ARRAY[${keys.map(quote).join(', ')}], ARRAY[${keys.map((k) => quote(p.values[k]!)).join(', ')}], ${quote(`local:///home/lake/${p.location}`)})`,
          );
        }
        const [duck] = await rt.catalog.queryEngine.query(`SELECT count(*) AS n FROM ${name}`);
        const t = await trino(`SELECT count(*) FROM ${name}`);
        process.stdout.write(`${name}: DuckDB ${duck?.n} rows, Trino ${t.rows[0]?.[0]} rows\n`);
        if (Number(duck?.n) !== Number(t.rows[0]?.[0])) throw new Error(`${name}: row counts differ`);
      }
      let failures = 0;
      for (const q of loadQueries()) {
        const params = resolveParams(q, {});
        const duck = await rt.catalog.queryEngine.query(q.sql, params);
        const { sql, executionParameters } = toAthena(q.sql, params);
        const prepared = { 'X-Trino-Prepared-Statement': `q=${encodeURIComponent(sql)}` };
        const t = await trino(
          executionParameters.length ? `EXECUTE q USING ${executionParameters.join(', ')}` : 'EXECUTE q',
          prepared,
        );
        const cols = duck.length ? Object.keys(duck[0]!) : t.columns;
        // Without a final ORDER BY the row order is the engine's: compare as sets of rows.
        const ordered = /\bORDER\s+BY\b[^()]*$/i.test(q.sql.trim());
        const duckRows = duck.map((r) => cols.map((c) => r[c]));
        const [tRows, dRows] = ordered ? [t.rows, duckRows] : [sortRows(t.rows), sortRows(duckRows)];
        const problems: string[] = [];
        if (JSON.stringify(t.columns) !== JSON.stringify(cols))
          problems.push(`columns: Trino ${t.columns.join(',')} vs DuckDB ${cols.join(',')}`);
        if (tRows.length !== dRows.length)
          problems.push(`rows: Trino ${tRows.length} vs DuckDB ${dRows.length}`);
        for (let i = 0; i < Math.min(tRows.length, dRows.length) && problems.length < 5; i++) {
          for (const [j, c] of cols.entries()) {
            if (!same(tRows[i]![j], dRows[i]![j]))
              problems.push(
                `row ${i} ${c}: Trino ${JSON.stringify(tRows[i]![j])} vs DuckDB ${JSON.stringify(dRows[i]![j])}`,
              );
          }
        }
        if (duck.length === 0) problems.push('no rows on DuckDB: nothing compared');
        process.stdout.write(`${problems.length ? 'DIFF' : 'ok  '} ${q.name} (${duck.length} rows)\n`);
        for (const p of problems.slice(0, 5)) process.stdout.write(`       ${p}\n`);
        if (problems.length) failures++;
      }
      process.stdout.write(failures ? `${failures} queries differ\n` : 'every query agrees\n');
      return failures ? 1 : 0;
    } finally {
      await rt.close();
    }
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`verify:trino failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
