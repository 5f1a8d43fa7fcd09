import {
  envSecrets,
  etlEngineFromEnv,
  LocalRuntime,
  type LocalRuntimeOptions,
  loadSubscriptions,
  resolveHome,
  stagingLimitsFromEnv,
} from '@ohlcv/local';
import type { CommandIO } from './command.ts';

/** What every command opens the runtime with: the home folder and the declared subscriptions. */
export const runtimeOptions = (io: CommandIO): LocalRuntimeOptions => ({
  home: resolveHome(io.env, io.cwd),
  subscriptions: { declared: loadSubscriptions(io.env, io.cwd), secret: envSecrets(io.env) },
  // Staging limits (OHLCV_MAX_LINE_BYTES, OHLCV_MAX_OBJECT_BYTES, OHLCV_MIN_DATE).
  etl: { limits: stagingLimitsFromEnv(io.env) },
  etlEngine: etlEngineFromEnv(io.env),
});

/** Opens the runtime state of `$OHLCV_HOME` without starting any service. */
export function openRuntime(io: CommandIO): LocalRuntime {
  return LocalRuntime.open(runtimeOptions(io));
}
export async function withRuntime<T>(io: CommandIO, fn: (rt: LocalRuntime) => Promise<T>): Promise<T> {
  const rt = openRuntime(io);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}
