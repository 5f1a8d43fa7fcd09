/**
 * `--stage NAME` on moto (IAM enforced): the CLI reads the stage's outputs as `sst deploy`
 * leaves them and drives S3, SQS, Glue and Athena with the standard credential chain and
 * AWS_ENDPOINT_URL. Athena on moto runs no SQL: its results are seeded through moto's API
 * and the test checks what the CLI sent (query text, parameters, workgroup, database).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueryExecutionCommand, ListQueryExecutionsCommand } from '@aws-sdk/client-athena';
import {
  BatchCreatePartitionCommand,
  GetJobCommand,
  GetJobRunCommand,
  GetJobRunsCommand,
  GetPartitionsCommand,
  StartJobRunCommand,
} from '@aws-sdk/client-glue';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { manifestSchema } from '@ohlcv/core';
import { requireToolchain, venvPython } from '@ohlcv/core/testing/toolchain';
import { recordStage } from '@ohlcv/infra/record-stage';
import { type Emulator, REHEARSAL_SUBSCRIPTION, Rehearsal, startMoto } from '@ohlcv/stage';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.ts';
import { captureIO } from '../testing/capture-io.ts';
import { conventionalNames } from './resources.ts';

const hasMoto = requireToolchain(
  'moto server (python venv)',
  !!venvPython(),
  'run .ci/prepare.d/10-python.sh (builds ~/.cache/ohlcv-data-engine/venv with moto[server])',
);

describe('infra names and the CLI’s convention agree', () => {
  it('database, workgroup, job and queues', () => {
    const { graph } = recordStage('pr-7', { env: {} });
    const n = conventionalNames('pr-7');
    expect(graph.ofType('aws.glue.CatalogDatabase')[0]?.args.name).toBe(n.glueDatabase);
    expect(graph.ofType('aws.athena.Workgroup')[0]?.args.name).toBe(n.athenaWorkgroup);
    expect(graph.ofType('aws.glue.Job')[0]?.args.name).toBe(n.etlJob);
    const queues = graph.ofType('aws.sqs.Queue').map((q) => q.args.name);
    expect(queues).toContain(n.queue('etl-trigger'));
    expect(queues).toContain(n.queue('etl-trigger-dlq'));
  });
});

describe.skipIf(!hasMoto)('ohlcv --stage on moto', () => {
  let moto: Emulator;
  let r: Rehearsal;
  let cwd: string;
  const STAGE = 'cli';

  const run = async (...argv: string[]) => {
    const { io, out } = captureIO({ cwd, env: process.env });
    const code = await main(argv, io);
    return { code, ...out };
  };

  beforeAll(async () => {
    moto = await startMoto();
    // No subscription declared: this stage is the CLI's own, with the topology's queues only.
    r = await Rehearsal.start({ stageName: STAGE, services: [], emulator: moto, subscription: false });
    cwd = mkdtempSync(join(tmpdir(), 'ohlcv-cli-stage-'));
    mkdirSync(join(cwd, '.sst'));
    // What `sst deploy --stage cli` writes: deploy()'s return value.
    writeFileSync(
      join(cwd, '.sst', 'outputs.json'),
      JSON.stringify({
        bucket: r.stage.bucket,
        pipelineBus: r.stage.pipelineBus,
        etlJob: r.stage.etlJobName,
        glueDatabase: r.stage.glueDatabase,
        athenaWorkgroup: r.stage.athenaWorkgroup,
        queues: Object.fromEntries(Object.values(r.stage.queues).map((q) => [q.name, q.url])),
      }),
    );
    for (const [k, v] of Object.entries(r.adminEnv())) vi.stubEnv(k, v);
  }, 90_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await r?.close();
    await moto?.stop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('--help of each verb documents --stage', async () => {
    for (const verb of ['query', 'status', 'drop', 'dlq', 'reprocess']) {
      const res = await run(verb, '--help');
      expect(res.stdout, verb).toMatch(new RegExp(`ohlcv ${verb} --stage NAME`));
    }
  });

  it('drop puts the file into raw/ of the stage bucket', async () => {
    const file = join(cwd, 'bars.csv');
    writeFileSync(
      file,
      'symbol,interval,timestamp,open,high,low,close,volume\nSPY,1day,2024-03-04,1,2,0.5,1.5,10\n',
    );
    const res = await run('drop', '--stage', STAGE, file, '--format', 'json');
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)[0].key).toBe('raw/drops/bars.csv');
    const head = await r.admin.s3.send(
      new HeadObjectCommand({ Bucket: r.stage.bucket, Key: 'raw/drops/bars.csv' }),
    );
    expect(head.ContentLength).toBeGreaterThan(0);
  });

  it('status shows queue and DLQ depths, recent Glue runs and registered partitions', async () => {
    await r.admin.glue.send(
      new StartJobRunCommand({
        JobName: r.stage.etlJobName,
        Arguments: { '--manifest_key': '_manifests/m.json' },
      }),
    );
    await r.admin.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: r.stage.glueDatabase,
        TableName: 'bars_daily',
        PartitionInputList: ['2024-03', '2024-04'].map((m) => ({
          Values: [m],
          StorageDescriptor: { Location: `s3://${r.stage.bucket}/processed/bars_daily/month=${m}/` },
        })),
      }),
    );
    const res = await run('status', '--stage', STAGE, '--format', 'json');
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(res.stdout);
    expect(s.queues.map((q: { queue: string }) => q.queue).sort()).toEqual(
      Object.keys(r.stage.queues).sort(),
    );
    expect(s.runs).toHaveLength(1);
    expect(s.partitions.find((p: { table: string }) => p.table === 'bars_daily').partitions).toBe(2);
  });

  it('status lists each subscription’s DLQ and its depth (from the outputs, else by name); a dead letter there exits 1', async () => {
    // A stage with the rehearsal's subscription declared: infra/subscriptions.ts gives it a DLQ.
    const sub = await Rehearsal.start({ stageName: 'clisub', services: [], emulator: moto });
    try {
      const dlqName = `clisub-sub-${REHEARSAL_SUBSCRIPTION.name}-dlq`;
      const dlqUrl = (await sub.admin.sqs.send(new GetQueueUrlCommand({ QueueName: dlqName }))).QueueUrl!;
      const dlqArn = (
        await sub.admin.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
        )
      ).Attributes?.QueueArn;
      const outputs = {
        bucket: sub.stage.bucket,
        etlJob: sub.stage.etlJobName,
        glueDatabase: sub.stage.glueDatabase,
        athenaWorkgroup: sub.stage.athenaWorkgroup,
      };
      const withSubs = join(cwd, 'clisub-outputs.json');
      writeFileSync(
        withSubs,
        JSON.stringify({
          ...outputs,
          subscriptions: { [REHEARSAL_SUBSCRIPTION.name]: { dlq: dlqArn, redriveQueue: 'arn:x' } },
        }),
      );
      const without = join(cwd, 'clisub-outputs-old.json');
      writeFileSync(without, JSON.stringify(outputs));
      const expected = (n: number) => [
        { subscription: REHEARSAL_SUBSCRIPTION.name, dlq: dlqName, deadLetters: n },
      ];

      const empty = await run('status', '--stage', 'clisub', '--outputs', withSubs, '--format', 'json');
      expect(empty.code, empty.stderr).toBe(0);
      expect(JSON.parse(empty.stdout).subscriptions).toEqual(expected(0));

      await sub.admin.sqs.send(
        new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: '{"undelivered":true}' }),
      );
      for (const file of [withSubs, without]) {
        const res = await run('status', '--stage', 'clisub', '--outputs', file, '--format', 'json');
        expect(res.code, `${file}: a subscription DLQ holds a message`).toBe(1);
        expect(JSON.parse(res.stdout).subscriptions, file).toEqual(expected(1));
      }
      const text = await run('status', '--stage', 'clisub', '--outputs', withSubs);
      expect(text.stdout).toMatch(
        new RegExp(`subscriptions\\n[^]*${REHEARSAL_SUBSCRIPTION.name}\\s+${dlqName}\\s+1`),
      );
    } finally {
      await sub.close();
    }
  }, 90_000);

  it('dlq list shows a dead letter and dlq redrive moves it back to its queue', async () => {
    const q = r.stage.queues['catalog-sync']!;
    await r.admin.sqs.send(new SendMessageCommand({ QueueUrl: q.dlqUrl, MessageBody: '{"poison":true}' }));
    const listed = await run('dlq', 'list', 'catalog-sync', '--stage', STAGE, '--format', 'json');
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((m: { body: string }) => m.body)).toEqual(['{"poison":true}']);
    const status = await run('status', '--stage', STAGE, '--format', 'json');
    expect(status.code).toBe(1); // a DLQ holds a message
    const moved = await run('dlq', 'redrive', 'catalog-sync', '--stage', STAGE);
    expect(moved.stdout).toMatch(/moved 1 message\(s\) from catalog-sync-dlq to catalog-sync/);
    const depth = await r.admin.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(depth.Attributes?.ApproximateNumberOfMessages).toBe('1');
  });

  it('query runs a named query on Athena in the stage workgroup and database, :name parameters bound', async () => {
    // moto runs no SQL: seed the result it returns (a header row, then the data).
    await fetch(`${moto.endpoint}/moto-api/static/athena/query-results`, {
      method: 'POST',
      body: JSON.stringify({
        region: r.endpoint.region,
        results: [
          {
            rows: [
              { Data: [{ VarCharValue: 'symbol' }, { VarCharValue: 'volume' }] },
              { Data: [{ VarCharValue: 'SPY' }, { VarCharValue: '123' }] },
            ],
            column_info: [
              { Name: 'symbol', Label: 'symbol', Type: 'varchar' },
              { Name: 'volume', Label: 'volume', Type: 'bigint' },
            ],
          },
        ],
      }),
    });
    const res = await run(
      'query',
      'daily_volume',
      '--stage',
      STAGE,
      '--param',
      'symbol=SPY',
      '--format',
      'json',
    );
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual([{ symbol: 'SPY', volume: 123 }]);
    const ids = await r.admin.athena.send(
      new ListQueryExecutionsCommand({ WorkGroup: r.stage.athenaWorkgroup }),
    );
    const qe = (
      await r.admin.athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: ids.QueryExecutionIds?.[0] }),
      )
    ).QueryExecution;
    expect(qe?.WorkGroup).toBe(`${STAGE}-ohlcv`);
    expect(qe?.QueryExecutionContext?.Database).toBe('ohlcv_cli');
    expect(qe?.Query).toMatch(/FROM bars_daily/);
    expect(qe?.Query).not.toMatch(/ohlcv\./);
    expect(qe?.Query).not.toMatch(/:symbol/);
    expect(qe?.ExecutionParameters).toContain("'SPY'");
  });

  it('reprocess --stage lists the raw keys the range needs (paged), writes one manifest and starts exactly one marked job run', async () => {
    const bucket = r.stage.bucket;
    const put = (Key: string) => r.admin.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: '{}\n' }));
    // More than one ListObjectsV2 page (1,000 keys) in range, one day outside the months the
    // range needs, a hidden temp file; the earlier test's drop (raw/drops/bars.csv) may hold any date.
    const inRange = Array.from(
      { length: 1001 },
      (_, i) => `raw/source=twelvedata/date=2024-03-08/AAPL.1min.${String(i).padStart(4, '0')}.ndjson`,
    );
    for (let i = 0; i < inRange.length; i += 50) await Promise.all(inRange.slice(i, i + 50).map(put));
    await put('raw/source=twelvedata/date=2023-06-01/AAPL.1min.old.ndjson');
    await put('raw/drops/_copying.tmp');
    const runsBefore = (await r.admin.glue.send(new GetJobRunsCommand({ JobName: r.stage.etlJobName })))
      .JobRuns?.length;

    const res = await run(
      'reprocess',
      '--stage',
      STAGE,
      '--from',
      '2024-03-08',
      '--to',
      '2024-03-08',
      '--symbols',
      'AAPL',
      '--format',
      'json',
    );
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.objects).toBe(1002);
    const runs =
      (await r.admin.glue.send(new GetJobRunsCommand({ JobName: r.stage.etlJobName }))).JobRuns ?? [];
    expect(runs.length).toBe((runsBefore ?? 0) + 1);
    const got = await r.admin.glue.send(
      new GetJobRunCommand({ JobName: r.stage.etlJobName, RunId: out.jobRunId }),
    );
    const args = got.JobRun?.Arguments ?? {};
    expect(args['--manifest_key']).toBe(out.manifestKey);
    expect(args['--manifest_key']).toMatch(/^_manifests\/reprocess-[0-9a-f]{24}\.json$/);
    expect(JSON.parse(args['--reprocess_scope'] ?? '')).toEqual({
      from: '2024-03-08',
      to: '2024-03-08',
      symbols: ['AAPL'],
    });
    // The Glue job declares that argument (the run's arguments overlay the job's defaults).
    const job = await r.admin.glue.send(new GetJobCommand({ JobName: r.stage.etlJobName }));
    expect(job.Job?.DefaultArguments).toHaveProperty('--reprocess_scope', '');
    // The manifest: etl-trigger's format, exactly the keys the range needs.
    const body = await r.admin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: out.manifestKey }));
    const manifest = manifestSchema.parse(JSON.parse((await body.Body?.transformToString()) ?? ''));
    expect(manifest.objects.map((o) => o.key).sort()).toEqual(['raw/drops/bars.csv', ...inRange].sort());
    expect(manifest.objects.every((o) => /^[0-9a-f]{32}$/.test(o.etag) && o.size > 0)).toBe(true);

    const text = await run('reprocess', '--stage', STAGE, '--to', '2020-01-01');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/started reprocess run \S+ of cli-ohlcv-etl from 1 raw object/);
    expect(text.stdout).toMatch(/aws glue get-job-run --job-name cli-ohlcv-etl --run-id /);
    const bad = await run('reprocess', '--stage', STAGE, '--from', '2024-13-01');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from must be a date/);
    const help = await run('reprocess', '--help');
    expect(help.stdout).toMatch(/ohlcv reprocess --stage NAME \[--from D\]/);
  }, 120_000);

  it('reprocess --stage end to end: the run it starts rebuilds the range and catalog-sync switches the catalog to it', async () => {
    const rep = await Rehearsal.start({
      stageName: 'clirep',
      services: ['etl-trigger', 'catalog-sync'],
      emulator: moto,
      subscription: false,
      windowScale: 0.2,
    });
    try {
      await rep.admin.s3.send(
        new PutObjectCommand({
          Bucket: rep.stage.bucket,
          Key: 'raw/drops/aapl.csv',
          Body: 'symbol,interval,timestamp,open,high,low,close,volume\nAAPL,1min,2024-03-08T14:00:00Z,10,11,9,10.5,100\n',
        }),
      );
      expect(await rep.runUntilIdle()).toBe(true);
      const location = async () =>
        (
          await rep.admin.glue.send(
            new GetPartitionsCommand({ DatabaseName: rep.stage.glueDatabase, TableName: 'bars' }),
          )
        ).Partitions?.[0]?.StorageDescriptor?.Location ?? '';
      expect(await location()).toMatch(/\/_v0000000001-/);
      const outputs = join(cwd, 'clirep-outputs.json');
      writeFileSync(
        outputs,
        JSON.stringify({
          bucket: rep.stage.bucket,
          etlJob: rep.stage.etlJobName,
          glueDatabase: rep.stage.glueDatabase,
          athenaWorkgroup: rep.stage.athenaWorkgroup,
        }),
      );
      const res = await run(
        'reprocess',
        '--stage',
        'clirep',
        '--outputs',
        outputs,
        '--from',
        '2024-03-08',
        '--to',
        '2024-03-08',
        '--format',
        'json',
      );
      expect(res.code, res.stderr).toBe(0);
      const { jobRunId } = JSON.parse(res.stdout);
      expect(await rep.runUntilIdle()).toBe(true);
      expect(await location()).toMatch(new RegExp(`/_v0000000002-${jobRunId}/$`));
      expect(Object.values(await rep.dlqDepths()).every((d) => d === 0)).toBe(true);
    } finally {
      await rep.close();
    }
  }, 120_000);

  it('says how to get the outputs when the stage was not deployed here (exit 2)', async () => {
    const res = await run('status', '--stage', 'other');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /no outputs of stage other .* run "npx sst deploy --stage other" here, or pass --bucket/,
    );
  });
});
