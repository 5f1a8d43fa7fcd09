import { etlEngineFromEnv, LocalRuntime, resolveHome } from '@ohlcv/local';
import type { CommandIO } from './command.ts';

/** Opens the runtime state of `$OHLCV_HOME` without starting any service. */
export function openRuntime(io: CommandIO): LocalRuntime {
  return LocalRuntime.open({ home: resolveHome(io.env, io.cwd), etlEngine: etlEngineFromEnv(io.env) });
}

export async function withRuntime<T>(io: CommandIO, fn: (rt: LocalRuntime) => Promise<T>): Promise<T> {
  const rt = openRuntime(io);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}
