/**
 * One function's worker process: its Lambda entry (`services/<name>/src/lambda.ts`) with the
 * environment infra synthesized for it and its own credentials (the parent sets both), fed by
 * the event-source-mapping stand-in. Reports each batch to the parent over IPC.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SqsBatchResponse, SqsEvent } from '@ohlcv/core';
import { type MappingSpec, pollOnce } from './event-source-mapping.ts';

export interface WorkerConfig extends MappingSpec {
  service: string;
  /** Absolute path of the Lambda entry module; its `handler` export is invoked. */
  entry: string;
  functionName: string;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'busy' }
  | { type: 'batch'; received: number; failed: string[]; error?: { code: string; message: string } }
  | { type: 'idle' }
  | { type: 'crashed'; message: string };

const send = (m: WorkerMessage) => process.send?.(m);

async function main(): Promise<void> {
  const config = JSON.parse(process.env.OHLCV_STAGE_WORKER ?? '') as WorkerConfig;
  const mod = (await import(config.entry)) as {
    handler: (e: SqsEvent, ctx: Record<string, unknown>) => Promise<SqsBatchResponse>;
  };
  // Credentials and endpoint come from the environment, as they would in Lambda.
  const sqs = new SQSClient({});
  let stopping = false;
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stop') stopping = true;
  });
  send({ type: 'ready' });
  let n = 0;
  while (!stopping) {
    try {
      const outcome = await pollOnce(
        sqs,
        config,
        (event) =>
          mod.handler(event, { functionName: config.functionName, awsRequestId: `rehearsal-${++n}` }),
        () => send({ type: 'busy' }),
      );
      send(outcome ? { type: 'batch', ...outcome } : { type: 'idle' });
    } catch (err) {
      // A receive the role may not make (or an emulator hiccup): reported, then retried.
      send({
        type: 'batch',
        received: 0,
        failed: [],
        error: { code: (err as Error).name, message: (err as Error).message },
      });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  process.exit(0);
}

main().catch((err) => {
  send({ type: 'crashed', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});
