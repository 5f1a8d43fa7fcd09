/**
 * The CLI's verbs against a deployed stage (`--stage NAME`): `query` on Athena, `status`,
 * `drop` into S3 and `dlq list|redrive` on SQS. Credentials and region come from the
 * standard AWS chain; AWS_ENDPOINT_URL is honoured by the SDK (an emulator, LocalStack).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GetJobRunsCommand, GetPartitionsCommand, GlueClient } from '@aws-sdk/client-glue';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { athenaQueryEngine, peekDlq, redriveDlq } from '@ohlcv/aws';
import { type QueueName, queueNames, tables } from '@ohlcv/core';
import { getQuery, type ParamValue, QueryParamError, resolveParams } from '@ohlcv/sql/queries';
import { formatOf, parse, table, toJson } from '../args.ts';
import { type CommandIO, UsageError } from '../command.ts';
import { queueArg, queueUrls, type StageFlags, stageResources, subscriptionDlqUrls } from './resources.ts';

export const STAGE_OPTIONS = {
  stage: { type: 'string' },
  bucket: { type: 'string' },
  database: { type: 'string' },
  outputs: { type: 'string' },
} as const;

export const stageUsage = (verb: string, extra = '', about?: string): string => `
On a deployed stage (AWS):
  ohlcv ${verb} --stage NAME${extra} [--bucket B] [--database D] [--outputs FILE]
${about ? `${about}\n` : ''}  Resource names come from the stage's outputs (.sst/outputs.json as "sst deploy --stage NAME"
  leaves them; --outputs FILE or OHLCV_STAGE_OUTPUTS elsewhere), --bucket/--database override.
  Credentials and region: the standard AWS chain (AWS_PROFILE, AWS_REGION, ...);
  AWS_ENDPOINT_URL points every call at an emulator.`;

export const stageFlagsOf = (values: Record<string, unknown>): StageFlags => ({
  stage: String(values.stage),
  ...(values.bucket ? { bucket: String(values.bucket) } : {}),
  ...(values.database ? { database: String(values.database) } : {}),
  ...(values.outputs ? { outputs: String(values.outputs) } : {}),
});

function parseParams(pairs: readonly string[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param must be KEY=VALUE, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export async function stageQuery(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...STAGE_OPTIONS,
      param: { type: 'string', multiple: true, short: 'p' },
      format: { type: 'string', default: 'table' },
      sql: { type: 'string' },
    },
    true,
  );
  const format = formatOf(values.format, ['table', 'json']);
  const given = parseParams(values.param ?? []);
  let sql: string;
  let params: Record<string, ParamValue>;
  if (values.sql !== undefined) {
    if (positionals.length > 0) throw new UsageError('give a query NAME or --sql, not both');
    sql = values.sql;
    params = given;
  } else {
    const [name, ...extra] = positionals;
    if (!name) throw new UsageError('give a query NAME or --sql');
    if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`);
    try {
      const q = getQuery(name);
      sql = q.sql;
      params = resolveParams(q, given);
    } catch (err) {
      if (err instanceof QueryParamError) throw new UsageError(err.message);
      throw err;
    }
  }
  const res = stageResources(stageFlagsOf(values), io.cwd, io.env);
  // The stage's workgroup (its enforced result location and scan cutoff) and database:
  // sql/queries name no database, so `ohlcv_<stage>` resolves their tables.
  const engine = athenaQueryEngine({
    workGroup: res.athenaWorkgroup,
    database: res.glueDatabase,
    client: new AthenaClient({}),
  });
  const { queryExecutionId, rows } = await engine.execute(sql, params);
  if (format === 'json') io.stdout(`${toJson(rows)}\n`);
  else io.stdout(table(rows));
  io.stderr(
    `athena query ${queryExecutionId} (${res.athenaWorkgroup}, ${res.glueDatabase}): ${rows.length} rows\n`,
  );
  return 0;
}

async function countPartitions(glue: GlueClient, database: string, table: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const out = await glue.send(
      new GetPartitionsCommand({ DatabaseName: database, TableName: table, NextToken: token }),
    );
    n += out.Partitions?.length ?? 0;
    token = out.NextToken;
  } while (token);
  return n;
}

export async function stageStatus(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parse(argv, { ...STAGE_OPTIONS, format: { type: 'string', default: 'table' } });
  const format = formatOf(values.format);
  const res = stageResources(stageFlagsOf(values), io.cwd, io.env);
  const sqs = new SQSClient({});
  const glue = new GlueClient({});
  const depth = async (url: string) => {
    const a = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(a.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  };
  const queues = [];
  for (const q of queueNames) {
    const { url, dlqUrl } = await queueUrls(sqs, res.stage, q);
    const main = await depth(url);
    const dlq = await depth(dlqUrl);
    queues.push({
      queue: q,
      visible: main.visible,
      inFlight: main.inFlight,
      dlq: dlq.visible + dlq.inFlight,
    });
  }
  // Each subscription's own DLQ (infra/subscriptions.ts): events its endpoint never took.
  const subscriptions = [];
  for (const s of await subscriptionDlqUrls(sqs, res)) {
    const d = await depth(s.url);
    subscriptions.push({ subscription: s.subscription, dlq: s.dlq, deadLetters: d.visible + d.inFlight });
  }
  const runsOut = await glue.send(new GetJobRunsCommand({ JobName: res.etlJob, MaxResults: 10 }));
  const runs = (runsOut.JobRuns ?? []).map((r) => ({
    jobRunId: r.Id,
    state: r.JobRunState,
    startedOn: r.StartedOn?.toISOString(),
    executionTime: r.ExecutionTime,
    error: r.ErrorMessage,
  }));
  const partitions = [];
  for (const t of Object.values(tables))
    partitions.push({ table: t.name, partitions: await countPartitions(glue, res.glueDatabase, t.name) });
  if (format === 'json') {
    io.stdout(`${toJson({ stage: res.stage, resources: res, queues, subscriptions, runs, partitions })}\n`);
  } else {
    io.stdout(
      `stage ${res.stage} (bucket ${res.bucket}, database ${res.glueDatabase}; names from ${res.source})\n\n`,
    );
    io.stdout(
      `queues\n${table(queues)}\n${
        subscriptions.length ? `subscriptions\n${table(subscriptions)}\n` : ''
      }recent Glue runs (${res.etlJob})\n${table(runs)}\npartitions\n${table(partitions)}`,
    );
  }
  return queues.some((q) => q.dlq > 0) || subscriptions.some((s) => s.deadLetters > 0) ? 1 : 0;
}

export async function stageDrop(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...STAGE_OPTIONS,
      prefix: { type: 'string', default: 'drops' },
      format: { type: 'string', default: 'table' },
    },
    true,
  );
  if (positionals.length === 0) throw new UsageError('name at least one FILE to drop');
  const prefix = String(values.prefix).replace(/^\/+|\/+$/g, '');
  if (
    !/^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*$/.test(prefix) ||
    prefix.split('/').some((s) => s.startsWith('.'))
  )
    throw new UsageError(`--prefix "${prefix}" must be folder names of letters, digits, . _ = -`);
  const files = [];
  for (const f of positionals) {
    const full = resolve(io.cwd, f);
    const st = await stat(full).catch(() => undefined);
    if (!st?.isFile()) throw new UsageError(`${f}: no such file`);
    const name = basename(full);
    if (!/^[A-Za-z0-9][A-Za-z0-9._=-]*$/.test(name))
      throw new UsageError(`${f}: file name must be letters, digits, . _ = - (it becomes the object key)`);
    files.push({ full, key: `raw/${prefix}/${name}` });
  }
  const res = stageResources(stageFlagsOf(values), io.cwd, io.env);
  const s3 = new S3Client({});
  const out = [];
  for (const f of files) {
    const body = await readFile(f.full);
    const put = await s3.send(new PutObjectCommand({ Bucket: res.bucket, Key: f.key, Body: body }));
    out.push({ key: f.key, size: body.byteLength, etag: (put.ETag ?? '').replace(/"/g, '') });
  }
  if (values.format === 'json') io.stdout(`${toJson(out)}\n`);
  else for (const d of out) io.stdout(`dropped s3://${res.bucket}/${d.key} (${d.size} bytes)\n`);
  return 0;
}

export async function stageDlq(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...STAGE_OPTIONS,
      limit: { type: 'string', default: '10' },
      max: { type: 'string' },
      format: { type: 'string', default: 'table' },
    },
    true,
  );
  const [verb, q, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`);
  const format = formatOf(values.format);
  const res = stageResources(stageFlagsOf(values), io.cwd, io.env);
  const sqs = new SQSClient({});
  if (verb === 'list') {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    const which: QueueName[] = q ? [queueArg(q)] : queueNames;
    const rows = [];
    for (const name of which) {
      const { dlqUrl } = await queueUrls(sqs, res.stage, name);
      for (const m of await peekDlq(sqs, dlqUrl, limit)) rows.push({ dlq: `${name}-dlq`, ...m });
    }
    io.stdout(
      format === 'json'
        ? `${toJson(rows)}\n`
        : table(rows, ['dlq', 'messageId', 'receiveCount', 'sentAt', 'body']),
    );
    return 0;
  }
  if (verb === 'redrive') {
    const name = queueArg(q);
    const max = values.max === undefined ? undefined : Number(values.max);
    if (max !== undefined && (!Number.isInteger(max) || max < 1))
      throw new UsageError('--max must be a positive integer');
    const { url, dlqUrl } = await queueUrls(sqs, res.stage, name);
    const { moved } = await redriveDlq(sqs, { dlqUrl, queueUrl: url, ...(max ? { maxMessages: max } : {}) });
    io.stdout(
      format === 'json'
        ? `${toJson({ queue: name, moved })}\n`
        : `moved ${moved} message(s) from ${name}-dlq to ${name}\n`,
    );
    return 0;
  }
  throw new UsageError(`expected "list" or "redrive", got "${verb ?? ''}"`);
}
