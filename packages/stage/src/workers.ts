/** Starts and watches one worker process per function (see worker.ts). */
import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Endpoint, sdkEnv } from './clients.ts';
import type { FunctionHandle } from './provision.ts';
import type { WorkerConfig, WorkerMessage } from './worker.ts';

export interface WorkerState {
  service: string;
  busy: boolean;
  ready: boolean;
  batches: number;
  records: number;
  failedRecords: number;
  errors: { code: string; message: string }[];
  crashed?: string;
}

export interface Workers {
  states: Record<string, WorkerState>;
  anyBusy(): boolean;
  stop(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface StartWorkersOptions {
  endpoint: Endpoint;
  repoRoot: string;
  logDir: string;
  /** Services to run (default: every function of the stage). */
  only?: string[];
  /** Extra environment a harness needs (the embedded Twelve Data URL); never replaces infra's. */
  extraEnv?: Record<string, Record<string, string>>;
  /** Scales the batching windows (1 = the topology's). */
  windowScale?: number;
}

export async function startWorkers(
  functions: Record<string, FunctionHandle>,
  opts: StartWorkersOptions,
): Promise<Workers> {
  const states: Record<string, WorkerState> = {};
  const children: ChildProcess[] = [];
  const readies: Promise<void>[] = [];
  const tsx = fileURLToPath(import.meta.resolve('tsx'));
  for (const fn of Object.values(functions)) {
    if (opts.only && !opts.only.includes(fn.service)) continue;
    const entry = resolve(opts.repoRoot, 'services', fn.service, 'src', 'lambda.ts');
    const config: WorkerConfig = {
      service: fn.service,
      entry,
      functionName: fn.functionName,
      queueUrl: fn.queue.url,
      queueArn: fn.queue.arn,
      region: opts.endpoint.region,
      batchSize: fn.batchSize,
      maxBatchingWindowSeconds: fn.maxBatchingWindowSeconds * (opts.windowScale ?? 1),
      retryImmediately: true,
    };
    const log = openSync(join(opts.logDir, `${fn.service}.log`), 'a');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(opts.extraEnv?.[fn.service] ?? {}),
      ...fn.environment,
      ...sdkEnv(opts.endpoint, fn.credentials),
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      OHLCV_STAGE_WORKER: JSON.stringify(config),
    };
    const child = fork(WORKER, [], {
      execArgv: ['--import', tsx],
      env,
      cwd: opts.repoRoot,
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    children.push(child);
    const state: WorkerState = {
      service: fn.service,
      busy: false,
      ready: false,
      batches: 0,
      records: 0,
      failedRecords: 0,
      errors: [],
    };
    states[fn.service] = state;
    readies.push(
      new Promise<void>((res, rej) => {
        child.on('message', (m: WorkerMessage) => {
          if (m.type === 'ready') {
            state.ready = true;
            res();
          } else if (m.type === 'busy') state.busy = true;
          else if (m.type === 'idle') state.busy = false;
          else if (m.type === 'batch') {
            state.busy = false;
            if (m.received > 0) state.batches += 1;
            state.records += m.received;
            state.failedRecords += m.failed.length;
            if (m.error) state.errors.push(m.error);
          } else if (m.type === 'crashed') {
            state.crashed = m.message;
            rej(new Error(`${fn.service} worker crashed: ${m.message}`));
          }
        });
        child.once('exit', (code) => {
          if (!state.ready) rej(new Error(`${fn.service} worker exited (${code}) before it was ready`));
        });
      }),
    );
  }
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((res) => {
            if (c.exitCode !== null || !c.connected) return res();
            c.once('exit', () => res());
            c.send({ type: 'stop' });
            setTimeout(() => c.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  };
  try {
    await Promise.all(readies);
  } catch (err) {
    await stop();
    throw err;
  }
  return { states, anyBusy: () => Object.values(states).some((s) => s.busy), stop };
}
