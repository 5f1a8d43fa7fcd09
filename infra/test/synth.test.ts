import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestionRequestedEventSchema } from '@ohlcv/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderInputTemplate } from '../input-template.ts';
import { resourceId } from '../queues.ts';
import { recordStage } from '../record-stage.ts';
import { createRecorder, installGlobals, token } from '../recorder.ts';
import { PRODUCTION_STAGES, stageConfig } from '../stages.ts';
import { type InfraService, type InfraTopology, sharedTopology } from '../topology.ts';
import {
  assertBucket,
  assertFunctions,
  assertLeastPrivilege,
  assertQueues,
  assertRetention,
  assertRules,
  Graph,
  GraphAssertionError,
} from './assertions.ts';

const env = { OHLCV_AWS_REGION: 'eu-west-1', OHLCV_WATCHLIST: 'AAPL,BTC/USD' };
const APP = 'ohlcv';

/** Runs the infra modules directly (for broken topologies) against a fresh recorder. */
function synth(stageName: string, topology: InfraTopology = sharedTopology, root = process.cwd()) {
  return recordStage(stageName, { env, topology, root }).graph;
}

const ctxFor = (stage: string) => ({
  bucketName: token('aws.s3.Bucket', 'DataLake', 'bucket'),
  etlJobName: `${stage}-${sharedTopology.etlJobName}`,
  pipelineBusName: token('aws.cloudwatch.EventBus', 'PipelineBus', 'name'),
});

interface SstConfigModule {
  default: {
    app(input: { stage: string }): {
      removal?: string;
      protect?: boolean;
      providers?: { aws?: { region?: string } };
    };
    run(): Promise<unknown>;
  };
}

describe('sst.config.ts run() against recorders', () => {
  const graphs = new Map<string, { graph: Graph; app: ReturnType<SstConfigModule['default']['app']> }>();
  let restore = () => {};
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, env);
    for (const stage of ['dev', 'production']) {
      const rec = createRecorder();
      restore();
      restore = installGlobals(rec, { name: APP, stage });
      const config = ((await import('../../sst.config.ts')) as SstConfigModule).default;
      const app = config.app({ stage });
      await config.run();
      graphs.set(stage, { graph: new Graph(rec.resources), app });
    }
  });
  afterAll(() => {
    restore();
    process.env = savedEnv;
  });

  for (const stage of ['dev', 'production']) {
    it(`${stage}: queues, DLQs, redrive and mappings follow the topology`, () => {
      assertQueues(graphs.get(stage)!.graph, sharedTopology);
    });
    it(`${stage}: every rule targets its queue, whose policy lets only its rules send`, () => {
      assertRules(graphs.get(stage)!.graph, sharedTopology, ctxFor(stage));
    });
    it(`${stage}: bucket private, encrypted, TLS-only, versioned, notifying, with lifecycle`, () => {
      assertBucket(graphs.get(stage)!.graph);
    });
    it(`${stage}: least privilege`, () => {
      const checked = assertLeastPrivilege(graphs.get(stage)!.graph);
      expect(checked).toHaveLength(Object.keys(sharedTopology.services).length + 1);
    });
    it(`${stage}: functions are Node 22 arm64 with Powertools and tracing`, () => {
      assertFunctions(graphs.get(stage)!.graph, sharedTopology, stageConfig(stage, env));
    });
    it(`${stage}: removal policy`, () => {
      const { graph, app } = graphs.get(stage)!;
      assertRetention(graph, app, stageConfig(stage, env));
    });
  }

  it('app() agrees with infra/stages.ts on production stages and region', async () => {
    const config = ((await import('../../sst.config.ts')) as SstConfigModule).default;
    for (const stage of [...PRODUCTION_STAGES, 'dev', 'pr-12']) {
      const app = config.app({ stage });
      const s = stageConfig(stage, env);
      expect({ removal: app.removal, protect: app.protect }).toEqual({
        removal: s.removal,
        protect: s.protect,
      });
      expect(app.providers?.aws?.region).toBe('eu-west-1');
    }
  });

  it('names resources per stage and wires the ETL job as the topology expects', () => {
    const g = graphs.get('production')!.graph;
    const job = g.find('aws.glue.Job', 'EtlJob')!;
    expect(job.args.name).toBe('production-ohlcv-etl');
    expect(job.args.defaultArguments['--job-bookmark-option']).toBe('job-bookmark-disable');
    expect(job.args.defaultArguments).toHaveProperty('--manifest_key');
    expect(job.args.defaultArguments).toHaveProperty('--correlation_id');
    expect(job.args.workerType).toBe('G.1X');
    expect(job.args.numberOfWorkers).toBe(4);
    expect(g.find('aws.cloudwatch.EventBus', 'PipelineBus')!.args.name).toBe('production-ohlcv-pipeline');
    expect(g.ofType('aws.cloudwatch.EventArchive')).toHaveLength(1);
    const tables = g
      .ofType('aws.glue.CatalogTable')
      .map((t) => t.args.name)
      .sort();
    expect(tables).toEqual(['bars', 'bars_daily', 'bars_hourly', 'quarantine']);
    const wg = g.find('aws.athena.Workgroup', 'AthenaWorkgroup')!.args.configuration;
    expect(wg.enforceWorkgroupConfiguration).toBe(true);
    expect(wg.bytesScannedCutoffPerQuery).toBeGreaterThan(0);
    expect(wg.resultConfiguration.outputLocation).toMatch(/athena-results\/$/);
    // Quality is the job's own sql/quality rules: no DQDL ruleset that nothing evaluates.
    expect(g.ofType('aws.glue.DataQualityRuleset')).toEqual([]);
  });

  it('sends all alarms to one topic and covers every alarm kind', () => {
    const g = graphs.get('dev')!.graph;
    const topic = g.find('aws.sns.Topic', 'AlarmTopic')!;
    const alarms = g.ofType('aws.cloudwatch.MetricAlarm');
    expect(
      alarms.every((a) => JSON.stringify(a.args.alarmActions) === JSON.stringify([g.ref(topic, 'arn')])),
    ).toBe(true);
    const metrics = new Set(alarms.map((a) => `${a.args.namespace}/${a.args.metricName}`));
    for (const m of [
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'AWS/SQS/ApproximateAgeOfOldestMessage',
      'OHLCV/RowsQuarantined',
      'OHLCV/IngestionFailures',
      'OHLCV/LatestBarAgeSeconds',
    ])
      expect(metrics).toContain(m);
    const ageAlarms = alarms.filter((a) => a.args.metricName === 'ApproximateAgeOfOldestMessage');
    expect(ageAlarms).toHaveLength(Object.keys(sharedTopology.queues).length);
    const freshness = alarms.filter((a) => a.args.metricName === 'LatestBarAgeSeconds');
    expect(freshness.map((a) => a.args.dimensions.symbol)).toEqual(['AAPL', 'BTC/USD']);
    const glueRule = g.find('aws.cloudwatch.EventRule', 'GlueJobFailedAlarmRule')!;
    expect(JSON.parse(glueRule.args.eventPattern).detail.jobName).toEqual(['dev-ohlcv-etl']);
    expect(g.ofType('aws.cloudwatch.EventTarget').some((t) => t.args.arn === g.ref(topic, 'arn'))).toBe(true);
  });

  it('schedules ingestion with an envelope our own schema accepts, rendered as EventBridge does', () => {
    const g = graphs.get('dev')!.graph;
    const target = g.find('aws.cloudwatch.EventTarget', 'IngestionScheduleTarget')!;
    const tick = {
      version: '0',
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2024-01-02T03:04:05Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:123456789012:rule/dev-ingestion-schedule'],
      detail: {},
    };
    const { inputPaths, inputTemplate } = target.args.inputTransformer;
    const parsed = ingestionRequestedEventSchema.safeParse(
      JSON.parse(renderInputTemplate(inputTemplate, inputPaths, tick)),
    );
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    expect(parsed.data?.detail).toMatchObject({
      schemaVersion: 1,
      requestId: tick.id,
      correlationId: tick.id,
      symbols: ['AAPL', 'BTC/USD'],
      interval: '1min',
    });
  });

  it('only the functions that need a secret get it', () => {
    const g = graphs.get('dev')!.graph;
    const envOf = (svc: string) => g.find('sst.aws.Function', `${resourceId(svc)}Function`)!.args.environment;
    const key = token('sst.Secret', 'TwelveDataApiKey', 'value');
    expect(envOf('ingestion').TWELVE_DATA_API_KEY).toBe(key);
    for (const svc of ['etl-trigger', 'catalog-sync', 'quality-alert'])
      expect(Object.values(envOf(svc))).not.toContain(key);
    expect(envOf('quality-alert').ALERT_WEBHOOK_URL).toBe(token('sst.Secret', 'AlertWebhookUrl', 'value'));
  });
});

const withoutConditions = (policy: string): string => {
  const doc = JSON.parse(policy);
  for (const s of doc.Statement) delete s.Condition;
  return JSON.stringify(doc);
};

describe('Glue assets', () => {
  it('ships the script, its modules and every non-.ts file of sql/etl and sql/quality under glue-assets/sql/', () => {
    const root = mkdtempSync(join(tmpdir(), 'infra-assets-'));
    try {
      mkdirSync(join(root, 'sql/etl/plan'), { recursive: true });
      mkdirSync(join(root, 'sql/quality'), { recursive: true });
      mkdirSync(join(root, 'sql/queries'), { recursive: true });
      for (const f of [
        'etl/20_dedupe.sql',
        'etl/10_clean.sql',
        'etl/dialect.json',
        'etl/plan/steps.json',
        'etl/index.ts',
        'etl/sql.test.ts',
        'quality/bars_unique_key.sql',
        'queries/top.sql',
      ])
        writeFileSync(join(root, 'sql', f), 'select 1');
      const g = synth('dev', sharedTopology, root);
      const objects = g.ofType('aws.s3.BucketObjectv2').map((o) => [o.args.key, o.args.source.path]);
      const bucket = token('aws.s3.Bucket', 'DataLake', 'bucket');
      expect(objects).toEqual([
        ['glue-assets/etl_job.py', join(root, 'packages/etl/glue/etl_job.py')],
        ['glue-assets/etl_runner.py', join(root, 'packages/etl/glue/etl_runner.py')],
        ['glue-assets/etl_plan.py', join(root, 'packages/etl/glue/etl_plan.py')],
        ['glue-assets/etl_staging.py', join(root, 'packages/etl/glue/etl_staging.py')],
        ['glue-assets/etl_screen.py', join(root, 'packages/etl/glue/etl_screen.py')],
        ['glue-assets/etl_versions.py', join(root, 'packages/etl/glue/etl_versions.py')],
        ['glue-assets/etl_reprocess.py', join(root, 'packages/etl/glue/etl_reprocess.py')],
        ...[
          'etl/10_clean.sql',
          'etl/20_dedupe.sql',
          'etl/dialect.json',
          'etl/plan/steps.json',
          'quality/bars_unique_key.sql',
        ].map((f) => [`glue-assets/sql/${f}`, join(root, 'sql', f)]),
      ]);
      const job = g.find('aws.glue.Job', 'EtlJob')!;
      // The root of the sql tree: the job appends etl/... and quality/... itself.
      expect(job.args.defaultArguments['--sql_prefix']).toBe(`s3://${bucket}/glue-assets/sql/`);
      expect(job.args.defaultArguments['--extra-py-files']).toBe(
        [
          'etl_runner.py',
          'etl_plan.py',
          'etl_staging.py',
          'etl_screen.py',
          'etl_versions.py',
          'etl_reprocess.py',
        ]
          .map((f) => `s3://${bucket}/glue-assets/${f}`)
          .join(','),
      );
      expect(job.args.defaultArguments).not.toHaveProperty('--sql_files');
      expect(job.args.command.scriptLocation).toBe(`s3://${bucket}/glue-assets/etl_job.py`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('every key the job reads under --sql_prefix is uploaded (the real sql/ tree)', () => {
    const g = synth('dev');
    const job = g.find('aws.glue.Job', 'EtlJob')!;
    const prefix = String(job.args.defaultArguments['--sql_prefix']).replace(/^s3:\/\/[^/]+\//, '');
    const keys = new Set(g.ofType('aws.s3.BucketObjectv2').map((o) => o.args.key));
    const needed = [
      `${prefix}etl/dialect.json`,
      `${prefix}etl/plan.json`,
      `${prefix}etl/tables.json`,
      // Every file the shared plan names (the job reads the plan, not a file list argument).
      ...(
        JSON.parse(readFileSync(join(process.cwd(), 'sql/etl/plan.json'), 'utf8')) as {
          steps: { file: string }[];
        }
      ).steps.map((st) => `${prefix}etl/${st.file}`),
      `${prefix}quality/bars_unique_key.sql`,
    ];
    for (const key of needed) expect(keys, key).toContain(key);
  });
});

describe('the synth assertions fail on a broken graph', () => {
  const good = synth('dev');
  const ctx = ctxFor('dev');

  it('passes on the real topology (control)', () => {
    expect(() => assertRules(good, sharedTopology, ctx)).not.toThrow();
    expect(() => assertQueues(good, sharedTopology)).not.toThrow();
  });

  it('a route removed from the topology is caught', () => {
    const broken: InfraTopology = {
      ...sharedTopology,
      rules: sharedTopology.rules.filter((r) => r.name !== 'raw-object-created'),
    };
    expect(() => assertRules(synth('dev', broken), sharedTopology, ctx)).toThrow(
      /rule raw-object-created missing/,
    );
  });

  it('a dropped queue policy is caught', () => {
    const g = good.without((r) => r.type === 'aws.sqs.QueuePolicy' && r.name === 'EtlTriggerQueuePolicy');
    expect(() => assertRules(g, sharedTopology, ctx)).toThrow(GraphAssertionError);
    expect(() => assertRules(g, sharedTopology, ctx)).toThrow(/policy does not let raw-object-created send/);
  });

  it('a queue policy that lets any source send is caught', () => {
    const g = new Graph(
      good.resources.map((r) =>
        r.name === 'QualityAlertQueuePolicy'
          ? { ...r, args: { ...r.args, policy: withoutConditions(r.args.policy) } }
          : r,
      ),
    );
    expect(() => assertRules(g, sharedTopology, ctx)).toThrow(
      /QualityAlertQueuePolicy allows without a source-ARN condition/,
    );
  });

  it('a missing DLQ is caught', () => {
    const g = good.without((r) => r.type === 'aws.sqs.Queue' && r.name === 'CatalogSyncDlq');
    expect(() => assertQueues(g, sharedTopology)).toThrow(/DLQ of catalog-sync missing/);
  });

  it('a queue whose topology spec changed but infra did not is caught', () => {
    const changed: InfraTopology = {
      ...sharedTopology,
      queues: {
        ...sharedTopology.queues,
        'etl-trigger': { ...sharedTopology.queues['etl-trigger']!, maxReceiveCount: 9 },
      },
    };
    expect(() => assertQueues(good, changed)).toThrow(/maxReceiveCount/);
  });

  it('a queue added to the topology appears with no infra edit', () => {
    const extended: InfraTopology = {
      ...sharedTopology,
      queues: { ...sharedTopology.queues, backfill: { ...sharedTopology.queues['catalog-sync']! } },
      services: {
        ...sharedTopology.services,
        backfill: {
          ...(sharedTopology.services['catalog-sync'] as InfraService),
          queue: 'backfill',
          entry: 'services/backfill/src/lambda.ts',
        },
      },
      rules: [
        ...sharedTopology.rules,
        {
          ...sharedTopology.rules.find((r) => r.name === 'pipeline-problems')!,
          name: 'backfill-requested',
          target: 'backfill',
        },
      ],
    };
    const g = synth('dev', extended);
    expect(() => assertQueues(g, extended)).not.toThrow();
    expect(() => assertRules(g, extended, ctx)).not.toThrow();
    expect(() => assertLeastPrivilege(g)).not.toThrow();
  });

  it('a batch over 10 without a batching window is caught before AWS rejects it', () => {
    const changed: InfraTopology = {
      ...sharedTopology,
      queues: {
        ...sharedTopology.queues,
        'etl-trigger': { ...sharedTopology.queues['etl-trigger']!, maxBatchingWindowSeconds: 0 },
      },
    };
    expect(() => assertQueues(synth('dev', changed), changed)).toThrow(/needs maxBatchingWindowSeconds >= 1/);
  });

  it('a batch over the 10,000 records Lambda takes from SQS is caught', () => {
    const changed: InfraTopology = {
      ...sharedTopology,
      queues: {
        ...sharedTopology.queues,
        'etl-trigger': { ...sharedTopology.queues['etl-trigger']!, batchSize: 20_000 },
      },
    };
    expect(() => assertQueues(synth('dev', changed), changed)).toThrow(/batchSize 20000/);
  });

  it('a wildcard grant is caught', () => {
    const g = new Graph([
      ...good.resources,
      {
        type: 'aws.iam.RolePolicy',
        name: 'Sloppy',
        args: {
          policy: JSON.stringify({
            Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }],
          }),
        },
      },
    ]);
    expect(() => assertLeastPrivilege(g)).toThrow(/Sloppy: s3:GetObject on resource \*/);
  });

  it('a production stage that would delete data is caught', () => {
    const prod = synth('production');
    expect(() =>
      assertRetention(prod, { removal: 'remove', protect: false }, stageConfig('production', env)),
    ).toThrow(/not retain/);
    expect(() =>
      assertRetention(synth('dev'), { removal: 'retain', protect: true }, stageConfig('dev', env)),
    ).toThrow();
  });
});
