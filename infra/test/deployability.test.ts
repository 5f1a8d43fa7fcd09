/**
 * The defects a deployed stage would hit although every declaration looked right: what the
 * services really do, checked against what the recorded graph grants and configures.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { GLUE_CATALOG_ACTIONS, missingColumns } from '@ohlcv/aws/glue-catalog/glue-catalog';
import { tables } from '@ohlcv/core';
import { describe, expect, it } from 'vitest';
import { catalogSyncConfig } from '../../services/catalog-sync/src/config.ts';
import { SUPERSEDED_PREFIX } from '../../services/catalog-sync/src/superseded.ts';
import { etlTriggerConfig } from '../../services/etl-trigger/src/config.ts';
import { ingestionConfig, requireApiKey } from '../../services/ingestion/src/config.ts';
import { qualityAlertConfig } from '../../services/quality-alert/src/config.ts';
import type { PolicyDocument } from '../iam.ts';
import { resourceId } from '../queues.ts';
import { glueJobDefinition, recordStage } from '../record-stage.ts';
import { token } from '../recorder.ts';
import { PREFIXES } from '../storage.ts';
import { sharedTopology } from '../topology.ts';
import { assertPolicyResourcesExist } from './assertions.ts';
import { allows } from './policy-eval.ts';

const env = { OHLCV_AWS_REGION: 'eu-west-1', OHLCV_WATCHLIST: 'AAPL,BTC/USD' };
const { graph, stage } = recordStage('dev', { env });
const bucketArn = token('aws.s3.Bucket', 'DataLake', 'arn');
const policyOf = (service: string): PolicyDocument =>
  JSON.parse(graph.find('aws.iam.RolePolicy', `${resourceId(service)}Policy`)!.args.policy);
const envOf = (service: string): Record<string, string> =>
  graph.find('sst.aws.Function', `${resourceId(service)}Function`)!.args.environment;

/**
 * Each service's own state objects, as its code names them. A GET or HEAD of a missing key
 * needs s3:ListBucket too: without it S3 answers 403, which the store cannot take for "missing".
 */
const STATE_OBJECTS: Record<string, { read: string[]; write: string[] }> = {
  ingestion: {
    read: ['_state/ingestion/AAPL.1min.json'],
    write: ['_state/ingestion/AAPL.1min.json', 'raw/x.ndjson'],
  },
  'etl-trigger': {
    read: ['raw/a.csv', '_manifests/m-1.run.json'],
    write: ['_manifests/m-1.json', '_manifests/m-1.run.json'],
  },
  'catalog-sync': {
    read: [
      '_runs/jr_1/summary.json',
      '_runs/jr_1/catalog-synced.json',
      '_runs/jr_1/catalog-sync-pending.json',
      '_runs/_superseded/2026-12-02T00-00-00.000Z-0a1b2c3d.json',
    ],
    write: [
      '_runs/jr_1/catalog-sync-pending.json',
      '_runs/jr_1/catalog-synced.json',
      '_runs/_superseded/2026-12-02T00-00-00.000Z-0a1b2c3d.json',
    ],
  },
  'quality-alert': { read: ['_runs/jr_1/summary.json', '_alerts/a-1.json'], write: ['_alerts/a-1.json'] },
};

describe('S3 permissions cover each service’s own state objects (defect 1)', () => {
  for (const [service, { read, write }] of Object.entries(STATE_OBJECTS)) {
    it(`${service} may read, write and tell missing from forbidden`, () => {
      const doc = policyOf(service);
      for (const key of read) {
        expect(allows(doc, { action: 's3:GetObject', resource: `${bucketArn}/${key}` }), `GET ${key}`).toBe(
          true,
        );
        expect(
          allows(doc, { action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': key } }),
          `ListBucket for ${key}`,
        ).toBe(true);
      }
      for (const key of write)
        expect(allows(doc, { action: 's3:PutObject', resource: `${bucketArn}/${key}` }), `PUT ${key}`).toBe(
          true,
        );
      // ...and no more than its prefixes: listing the raw zone stays forbidden (and the
      // processed zone too, but to catalog-sync, which lists superseded versions there).
      for (const zone of service === 'catalog-sync' ? ['raw/'] : ['raw/', 'processed/'])
        if (service !== 'etl-trigger' || zone !== 'raw/')
          expect(
            allows(doc, { action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': zone } }),
            `ListBucket ${zone}`,
          ).toBe(false);
    });
  }
});

describe('catalog-sync may update tables (defect 2)', () => {
  it('grants glue:UpdateTable, which the Glue catalog adapter calls for new columns', () => {
    const doc = policyOf('catalog-sync');
    const tableArn = doc.Statement.flatMap((s) => s.Resource ?? []).find((r) =>
      String(r).endsWith('table/ohlcv_dev/bars'),
    );
    expect(tableArn).toBeDefined();
    expect(allows(doc, { action: 'glue:UpdateTable', resource: String(tableArn) })).toBe(true);
  });
});

describe('catalog-sync switches partitions forward and removes superseded versions (issue 13)', () => {
  const doc = policyOf('catalog-sync');
  const tableArn = String(
    doc.Statement.flatMap((s) => s.Resource ?? []).find((r) => String(r).endsWith('table/ohlcv_dev/bars')),
  );
  const version = 'processed/bars/date=2024-03-08/symbol=AAPL/_v0000000001-jr_1/';
  it('may call exactly the Glue actions its catalog adapter calls', () => {
    for (const action of GLUE_CATALOG_ACTIONS)
      expect(allows(doc, { action, resource: tableArn }), action).toBe(true);
    const granted = doc.Statement.flatMap((s) => s.Action).filter((a) => a.startsWith('glue:'));
    expect([...new Set(granted)].sort()).toEqual([...GLUE_CATALOG_ACTIONS].sort());
  });
  it('may list and delete a superseded version and its ledger entry, never a run summary or raw', () => {
    expect(PREFIXES.superseded).toBe(SUPERSEDED_PREFIX);
    expect(
      allows(doc, { action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': version } }),
    ).toBe(true);
    for (const key of [
      `${version}data_0.parquet`,
      'quarantine/date=2024-03-08/_v0000000002-jr_2/data_0.parquet',
      `${SUPERSEDED_PREFIX}x.json`,
    ])
      expect(allows(doc, { action: 's3:DeleteObject', resource: `${bucketArn}/${key}` }), key).toBe(true);
    for (const key of ['_runs/jr_1/summary.json', 'raw/drops/a.csv', '_manifests/m-1.json'])
      expect(allows(doc, { action: 's3:DeleteObject', resource: `${bucketArn}/${key}` }), key).toBe(false);
  });
});

describe('the Glue job role covers a normal run publishing versions (etl_runner.py, etl_versions.py)', () => {
  it('writes, lists, reads and deletes its scratch under _runs/<run>/scratch/, moves versions in, rolls back', () => {
    const doc: PolicyDocument = JSON.parse(graph.find('aws.iam.RolePolicy', 'GlueJobPolicy')!.args.policy);
    const scratch =
      '_runs/jr_1/scratch/out/bars/date=2024-03-08/symbol=AAPL/part-00000-x.c000.snappy.parquet';
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'])
      expect(allows(doc, { action, resource: `${bucketArn}/${scratch}` }), action).toBe(true);
    expect(
      allows(doc, {
        action: 's3:ListBucket',
        resource: bucketArn,
        context: { 's3:prefix': '_runs/jr_1/scratch/' },
      }),
    ).toBe(true);
    // The move (copy + delete) into the version folder, and the roll-back of an uncommitted one.
    const version =
      'processed/bars/date=2024-03-08/symbol=AAPL/_v0000000002-jr_1/part-00000-x.c000.snappy.parquet';
    const uncommitted = 'processed/bars/date=2024-03-08/symbol=AAPL/_v0000000002-jr_0/part-00000.parquet';
    expect(allows(doc, { action: 's3:PutObject', resource: `${bucketArn}/${version}` })).toBe(true);
    expect(allows(doc, { action: 's3:DeleteObject', resource: `${bucketArn}/${uncommitted}` })).toBe(true);
    expect(
      allows(doc, {
        action: 's3:ListBucket',
        resource: bucketArn,
        context: { 's3:prefix': 'processed/bars/date=2024-03-08/symbol=AAPL/' },
      }),
    ).toBe(true);
  });
});

describe('the Glue job role covers a reprocess run (--reprocess_scope, etl_reprocess.py)', () => {
  it('writes, lists, reads back and deletes its shadow lake under _runs/<run>/rebuild/, and publishes versions', () => {
    const doc: PolicyDocument = JSON.parse(graph.find('aws.iam.RolePolicy', 'GlueJobPolicy')!.args.policy);
    const shadow = '_runs/jr_1/rebuild/processed/bars/date=2024-03-08/symbol=AAPL/part-0.parquet';
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'])
      expect(allows(doc, { action, resource: `${bucketArn}/${shadow}` }), action).toBe(true);
    expect(
      allows(doc, {
        action: 's3:ListBucket',
        resource: bucketArn,
        context: { 's3:prefix': '_runs/jr_1/rebuild/' },
      }),
    ).toBe(true);
    const version = 'processed/bars/date=2024-03-08/symbol=AAPL/_v0000000002-jr_1/part-00000.parquet';
    expect(allows(doc, { action: 's3:PutObject', resource: `${bucketArn}/${version}` })).toBe(true);
    // ...and raw stays read-only to it.
    expect(allows(doc, { action: 's3:PutObject', resource: `${bucketArn}/raw/drops/a.csv` })).toBe(false);
  });
});

describe('every function’s synthesized environment passes its own config parser (defect 5, 8)', () => {
  const parsers: Record<string, (e: NodeJS.ProcessEnv) => unknown> = {
    ingestion: ingestionConfig,
    'etl-trigger': etlTriggerConfig,
    'catalog-sync': catalogSyncConfig,
    'quality-alert': qualityAlertConfig,
  };
  it('covers every service of the topology', () => {
    expect(Object.keys(parsers).sort()).toEqual(Object.keys(sharedTopology.services).sort());
  });
  for (const [service, parse] of Object.entries(parsers)) {
    it(service, () => {
      expect(() => parse(envOf(service))).not.toThrow();
    });
  }
  it('quality-alert gets a share, not a row count', () => {
    const { quarantineThreshold } = qualityAlertConfig(envOf('quality-alert'));
    expect(quarantineThreshold).toBe(stage.alarms.quarantinedShareAlert);
    expect(quarantineThreshold).toBeGreaterThan(0);
    expect(quarantineThreshold).toBeLessThan(1);
  });
});

describe('sst is pinned and the first deploy needs no secret set (defect 6)', () => {
  it('the root package pins sst v4 exactly, and sst.config.ts resolves it', () => {
    const root = join(import.meta.dirname, '../..');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const pinned = pkg.devDependencies?.sst ?? pkg.dependencies?.sst;
    expect(pinned).toMatch(/^4\.\d+\.\d+$/);
    // sst's exports map hides package.json: resolve its entry, then read the manifest beside dist/.
    const entry = createRequire(join(root, 'sst.config.ts')).resolve('sst');
    const manifest = join(entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`)), 'package.json');
    expect(JSON.parse(readFileSync(manifest, 'utf8')).version).toBe(pinned);
  });

  it('TwelveDataApiKey has a placeholder that ingestion reports clearly', () => {
    const secret = graph.find('sst.Secret', 'TwelveDataApiKey')!;
    const placeholder = secret.args;
    expect(typeof placeholder).toBe('string');
    expect(() => requireApiKey(placeholder, 'dev')).toThrow(
      /TwelveDataApiKey is not set for this stage: run `npx sst secret set TwelveDataApiKey <key> --stage dev`/,
    );
    expect(requireApiKey('real-key', 'dev')).toBe('real-key');
  });
});

describe('the Glue failure alarm matches what the etl-job-failed route alerts on (defect 8)', () => {
  it('includes STOPPED and no state a Glue Job State Change never carries', () => {
    const alarm = JSON.parse(
      graph.find('aws.cloudwatch.EventRule', 'GlueJobFailedAlarmRule')!.args.eventPattern,
    );
    const route = JSON.parse(graph.find('aws.cloudwatch.EventRule', 'EtlJobFailedRule')!.args.eventPattern);
    expect(alarm).toEqual(route);
    expect(alarm.detail.state).toEqual(['FAILED', 'TIMEOUT', 'STOPPED']);
  });
});

describe('Glue tables as infra declares them are what catalog-sync accepts', () => {
  it('no partition key among the data columns, every declared column present', () => {
    for (const t of graph.ofType('aws.glue.CatalogTable')) {
      const spec = Object.values(tables).find((s) => s.name === t.args.name)!;
      const columns = t.args.storageDescriptor.columns.map((c: { name: string; type: string }) => ({
        Name: c.name,
        Type: c.type,
      }));
      // The Glue catalog adapter's own check (it raises IncompatibleSchemaChange otherwise).
      expect(() => missingColumns(spec, columns), t.args.name).not.toThrow();
      expect(missingColumns(spec, columns)).toEqual([]);
      const keys = t.args.partitionKeys.map((k: { name: string }) => k.name);
      expect(keys).toEqual(spec.partitionKeys);
      expect(columns.filter((c: { Name: string }) => keys.includes(c.Name))).toEqual([]);
    }
  });
});

describe('policies name only resources of the graph', () => {
  it('every resource ARN in every policy is a resource the stage declares', () => {
    expect(() => assertPolicyResourcesExist(graph, stage)).not.toThrow();
  });
  it('catches a policy naming a queue that does not exist', () => {
    const broken = graph.without(() => false);
    const doc = policyOf('etl-trigger');
    doc.Statement.push({
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: ['arn:aws:sqs:eu-west-1:1:nope'],
    });
    const patched = new (graph.constructor as typeof import('../graph.ts').Graph)(
      broken.resources.map((r) =>
        r.name === 'EtlTriggerPolicy' ? { ...r, args: { ...r.args, policy: JSON.stringify(doc) } } : r,
      ),
    );
    expect(() => assertPolicyResourcesExist(patched, stage)).toThrow(/EtlTriggerPolicy: .*nope/);
  });
});

describe('glueJobDefinition (what the Spark test and the harness read)', () => {
  it('gives the job arguments and asset uploads with the bucket filled in', () => {
    const def = glueJobDefinition(recordStage('dev', { env }), 'lake-1');
    expect(def.name).toBe('dev-ohlcv-etl');
    expect(def.defaultArguments['--sql_prefix']).toBe('s3://lake-1/glue-assets/sql/');
    expect(def.defaultArguments['--bucket']).toBe('lake-1');
    expect(def.scriptLocation).toBe('s3://lake-1/glue-assets/etl_job.py');
    expect(def.assets.map((a) => a.key)).toContain('glue-assets/sql/etl/dialect.json');
  });
});
