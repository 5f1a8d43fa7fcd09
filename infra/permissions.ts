/**
 * What each service may do beyond consuming its queue, writing its logs and tracing.
 * A service added to the topology without an entry here gets only that baseline.
 */
import { tables } from '@ohlcv/core';
import {
  arn,
  listPrefixes,
  putEvents,
  readObjects,
  readWriteObjects,
  type Statement,
  writeObjects,
} from './iam.ts';
import type { Input, Platform } from './platform.ts';
import { PREFIXES } from './storage.ts';

export interface PermissionRefs {
  region: string;
  bucketArn: Input<string>;
  pipelineBusArn: Input<string>;
  alarmTopicArn: Input<string>;
  etlJobName: string;
  glueDatabase: string;
}

export function servicePermissions(p: Platform, r: PermissionRefs): Record<string, Statement[]> {
  const objects = (prefix: string) => arn.objects(p, r.bucketArn, prefix);
  const job = arn.glueJob(p, r.region, r.etlJobName);
  return {
    ingestion: [
      writeObjects('WriteRawZone', [objects(PREFIXES.raw)]),
      // The per-symbol cursor: read (missing on the first pull) and rewritten after each one.
      readWriteObjects('IngestionState', [objects(PREFIXES.ingestionState)]),
      listPrefixes('ListIngestionState', r.bucketArn, [PREFIXES.ingestionState]),
      putEvents(r.pipelineBusArn),
    ],
    'etl-trigger': [
      // HeadObject (etag, size for the manifest) is authorised by s3:GetObject.
      readObjects('ReadRawZone', [objects(PREFIXES.raw)]),
      // Manifests and their run markers (`_manifests/<id>.run.json`, HEAD before a start).
      readWriteObjects('Manifests', [objects(PREFIXES.manifests)]),
      listPrefixes('ListRawAndManifests', r.bucketArn, [PREFIXES.raw, PREFIXES.manifests]),
      {
        Sid: 'StartEtlJob',
        Effect: 'Allow',
        Action: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns'],
        Resource: [job],
      },
      putEvents(r.pipelineBusArn),
    ],
    'catalog-sync': [
      // Run summaries (Glue writes them), this service's own pending/synced markers and its
      // ledger of superseded versions.
      readWriteObjects('RunSummariesAndMarkers', [objects(PREFIXES.runs)]),
      listPrefixes('ListRuns', r.bucketArn, [PREFIXES.runs]),
      {
        // Exactly the Glue catalog adapter's calls (GLUE_CATALOG_ACTIONS): the table brought to
        // this release's schema, then partitions read, created or switched forward.
        Sid: 'RegisterPartitions',
        Effect: 'Allow',
        Action: [
          'glue:GetTable',
          'glue:UpdateTable',
          'glue:BatchGetPartition',
          'glue:BatchCreatePartition',
          'glue:BatchUpdatePartition',
        ],
        Resource: [
          arn.glueCatalog(p, r.region),
          arn.glueDatabase(p, r.region, r.glueDatabase),
          ...Object.values(tables).map((t) => arn.glueTable(p, r.region, r.glueDatabase, t.name)),
        ],
      },
      {
        // Superseded partition versions, after the grace period: their files (listed under
        // the version's prefix) and the ledger entry. Never a run summary.
        Sid: 'RemoveSupersededVersions',
        Effect: 'Allow',
        Action: ['s3:DeleteObject'],
        Resource: [objects(PREFIXES.processed), objects(PREFIXES.quarantine), objects(PREFIXES.superseded)],
      },
      listPrefixes('ListTableZones', r.bucketArn, [PREFIXES.processed, PREFIXES.quarantine]),
      putEvents(r.pipelineBusArn),
    ],
    'quality-alert': [
      readObjects('ReadRunSummaries', [objects(PREFIXES.runs)]),
      // Alert markers: one alert per failure, however often the event is redelivered.
      readWriteObjects('AlertMarkers', [objects(PREFIXES.alerts)]),
      listPrefixes('ListRunsAndAlerts', r.bucketArn, [PREFIXES.runs, PREFIXES.alerts]),
      putEvents(r.pipelineBusArn),
      {
        Sid: 'NotifyAlarmTopic',
        Effect: 'Allow',
        Action: ['sns:Publish'],
        Resource: [r.alarmTopicArn],
      },
    ],
  };
}
