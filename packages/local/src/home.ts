import path from 'node:path';

/** Where the embedded runtime keeps everything: `$OHLCV_HOME`, or `.ohlcv` under the cwd. */
export interface HomeLayout {
  root: string;
  /** Object store root: object key `raw/x.csv` is `<lake>/raw/x.csv`. */
  lake: string;
  /** SQLite database: queues, event log, object ledger, local catalog state. */
  stateDb: string;
  logs: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): HomeLayout {
  const root = path.resolve(cwd, env.OHLCV_HOME ?? '.ohlcv');
  return {
    root,
    lake: path.join(root, 'lake'),
    stateDb: path.join(root, 'state', 'ohlcv.db'),
    logs: path.join(root, 'logs'),
  };
}
