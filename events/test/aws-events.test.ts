import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildDataQualityResultsEvent,
  dataQualityResultsEventSchema,
  normalizeDataQualityResult,
  normalizedDataQualityResultsDetailSchema,
} from '../src/aws/data-quality-results.ts';
import {
  buildGlueJobStateChangeEvent,
  glueJobStateChangeEventSchema,
} from '../src/aws/glue-job-state-change.ts';
import { buildS3ObjectCreatedEvent, s3ObjectCreatedEventSchema } from '../src/aws/s3-object-created.ts';
import { eventTime } from '../src/envelope.ts';

const sample = (name: string) =>
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'samples', name), 'utf8'));

describe('S3 Object Created builder', () => {
  it('produces the exact JSON, key order included, of the event S3 sends', () => {
    const built = buildS3ObjectCreatedEvent({
      id: '5b6c1f0e-8d1a-4c35-9a43-2f0c7e9d1a10',
      time: new Date('2024-03-08T21:05:12.345Z'),
      bucket: 'ohlcv-lake',
      key: 'raw/source=twelvedata/date=2024-03-08/AAPL-1min-5b6c1f0e.ndjson',
      size: 48213,
      etag: '9a0364b9e99bb480dd25e1f0284c8555',
      sequencer: '0000018E1F6B4A40',
    });
    expect(JSON.stringify(built)).toBe(JSON.stringify(sample('object-created.raw-drop.json')));
    expect(s3ObjectCreatedEventSchema.parse(built)).toEqual(built);
  });

  it('carries the optional version id, reason, account and region it is given', () => {
    const built = buildS3ObjectCreatedEvent({
      id: 'x',
      time: '2024-01-02T03:04:05Z',
      bucket: 'b',
      key: 'raw/a.csv',
      size: 0,
      etag: 'e',
      sequencer: '01',
      versionId: 'v1',
      reason: 'CopyObject',
      account: '123456789012',
      region: 'eu-west-1',
      requestId: 'REQ',
    });
    expect(built.detail.object['version-id']).toBe('v1');
    expect(built.detail.reason).toBe('CopyObject');
    expect(built.detail.requester).toBe('123456789012');
    expect(built.detail['request-id']).toBe('REQ');
    expect([built.account, built.region, built.resources]).toEqual([
      '123456789012',
      'eu-west-1',
      ['arn:aws:s3:::b'],
    ]);
    expect(s3ObjectCreatedEventSchema.safeParse(built).success).toBe(true);
  });

  it('requires size, etag and sequencer, and accepts an IPv6 source address', () => {
    const e = sample('object-created.json');
    e.detail['source-ip-address'] = '2001:db8::1';
    expect(s3ObjectCreatedEventSchema.safeParse(e).success).toBe(true);
    // Writes AWS services make themselves carry a principal name or `AWS Internal`, not an IP.
    for (const source of ['glue.amazonaws.com', 'AWS Internal']) {
      e.detail['source-ip-address'] = source;
      expect(s3ObjectCreatedEventSchema.safeParse(e).success, source).toBe(true);
    }
    for (const k of ['size', 'etag', 'sequencer']) {
      const bad = sample('object-created.json');
      delete bad.detail.object[k];
      expect(s3ObjectCreatedEventSchema.safeParse(bad).success, k).toBe(false);
    }
  });

  it('writes time the way EventBridge does: seconds, Z', () => {
    expect(eventTime(new Date('2024-03-08T21:05:12.999Z'))).toBe('2024-03-08T21:05:12Z');
    expect(eventTime('2024-03-08T22:05:12+01:00')).toBe('2024-03-08T21:05:12Z');
    expect(() => eventTime('yesterday')).toThrow(RangeError);
  });
});

describe('Glue Job State Change builder', () => {
  it("matches AWS's sample for a succeeded run", () => {
    const aws = sample('glue-job-state-change.json');
    const built = buildGlueJobStateChangeEvent({
      id: aws.id,
      time: aws.time,
      account: aws.account,
      region: aws.region,
      jobName: 'MyJob',
      jobRunId: aws.detail.jobRunId,
      state: 'SUCCEEDED',
    });
    expect(JSON.stringify(built)).toBe(JSON.stringify(aws));
  });

  it('defaults severity and message from the state, and the schema accepts them', () => {
    const at = (state: 'FAILED' | 'TIMEOUT' | 'STOPPED') =>
      buildGlueJobStateChangeEvent({
        id: 'i',
        time: '2024-01-01T00:00:00Z',
        jobName: 'j',
        jobRunId: 'jr_1',
        state,
      });
    expect([at('FAILED').detail.severity, at('FAILED').detail.message]).toEqual(['ERROR', 'Job run failed']);
    expect([at('TIMEOUT').detail.severity, at('TIMEOUT').detail.message]).toEqual([
      'WARN',
      'Job run timed out',
    ]);
    expect(at('STOPPED').detail.severity).toBe('WARN');
    for (const s of ['FAILED', 'TIMEOUT', 'STOPPED'] as const) {
      expect(glueJobStateChangeEventSchema.safeParse(at(s)).success).toBe(true);
    }
  });

  it('rejects an unknown state', () => {
    const e = sample('glue-job-state-change.json');
    e.detail.state = 'EXPLODED';
    expect(glueJobStateChangeEventSchema.safeParse(e).success).toBe(false);
  });
});

describe('Data Quality Evaluation Results Available', () => {
  it("normalizes AWS's doc-sample spelling (resultID, rulesSucceeded, ...)", () => {
    const e = dataQualityResultsEventSchema.parse(sample('data-quality-evaluation-results-available.json'));
    expect(normalizeDataQualityResult(e.detail)).toEqual({
      resultId: 'dqresult-12334567890',
      rulesetNames: ['rulset1'],
      state: 'SUCCEEDED',
      passed: true,
      score: 1,
      rulesSucceeded: 100,
      rulesFailed: 0,
      rulesSkipped: 0,
      contextType: 'GLUE_DATA_CATALOG',
      databaseName: 'db-123',
      tableName: 'table-123',
    });
  });

  it('normalizes the live spelling (resultId, numRulesFailed, ...) of a Glue job evaluation', () => {
    const e = dataQualityResultsEventSchema.parse(
      sample('data-quality-evaluation-results-available.glue-job.json'),
    );
    const r = normalizedDataQualityResultsDetailSchema.parse(e.detail);
    expect(r).toMatchObject({
      resultId: 'dqresult-0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6',
      state: 'FAILED',
      passed: false,
      score: 0.75,
      rulesSucceeded: 6,
      rulesFailed: 2,
      rulesSkipped: 0,
      contextType: 'GLUE_JOB',
      jobName: 'ohlcv-etl',
      jobRunId: 'jr_4f1d0c9e2b7a6358e1d4c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a1908f7e6d5',
    });
  });

  it('gives the same normalized result for both spellings of the same outcome', () => {
    const live = sample('data-quality-evaluation-results-available.glue-job.json').detail;
    const { resultId, numRulesSucceeded, numRulesFailed, numRulesSkipped, ...rest } = live;
    const doc = {
      ...rest,
      resultID: resultId,
      rulesSucceeded: numRulesSucceeded,
      rulesFailed: numRulesFailed,
      rulesSkipped: numRulesSkipped,
    };
    expect(normalizedDataQualityResultsDetailSchema.parse(doc)).toEqual(
      normalizedDataQualityResultsDetailSchema.parse(live),
    );
  });

  it('rejects a detail with neither spelling of the result id or rule counts', () => {
    const d = sample('data-quality-evaluation-results-available.json');
    delete d.detail.resultID;
    delete d.detail.rulesFailed;
    const r = dataQualityResultsEventSchema.safeParse(d);
    expect(r.success).toBe(false);
    const paths = r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(['detail.resultId', 'detail.numRulesFailed']);
  });

  it('the builder emits the live spelling, the schema accepts it and it normalizes back', () => {
    const built = buildDataQualityResultsEvent({
      id: 'i',
      time: '2024-03-08T21:09:40Z',
      resultId: 'dqresult-1',
      rulesetNames: ['ohlcv-bars'],
      state: 'FAILED',
      score: 0.5,
      rulesSucceeded: 1,
      rulesFailed: 1,
      jobName: 'ohlcv-etl',
      jobRunId: 'jr_1',
    });
    expect(built.detail).toMatchObject({ resultId: 'dqresult-1', numRulesFailed: 1, numRulesSkipped: 0 });
    expect(built.source).toBe('aws.glue-dataquality');
    const parsed = dataQualityResultsEventSchema.parse(built);
    expect(normalizeDataQualityResult(parsed.detail)).toMatchObject({
      jobRunId: 'jr_1',
      rulesFailed: 1,
      passed: false,
    });
  });
});
