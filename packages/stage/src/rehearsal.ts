/**
 * `pnpm stage:rehearse`: a stage provisioned from infra's recorded graph into an AWS API
 * endpoint (moto with IAM enforced, started here unless AWS_ENDPOINT_URL is set), the real
 * Lambda entries run on its queues with their own policies, and a scenario through every hop.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetPartitionsCommand, StartJobRunCommand } from '@aws-sdk/client-glue';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { redriveDlq } from '@ohlcv/aws';
import { tables } from '@ohlcv/core';
import { GLUE_JOB_STATE_CHANGE, GLUE_SOURCE } from '@ohlcv/events';
import { renderInputTemplate } from '@ohlcv/infra/input-template';
import { recordStage } from '@ohlcv/infra/record-stage';
import { startEmbeddedTwelveData } from '@ohlcv/twelvedata';
import { type AwsClients, awsClients, type Credentials, type Endpoint, sdkEnv } from './clients.ts';
import { GlueRuns } from './glue-runs.ts';
import { type Emulator, emulatorFromEnv, enforceIam } from './moto-server.ts';
import { PipelineTap, startWebhookReceiver, type WebhookReceiver } from './observers.ts';
import { type ProvisionedStage, provisionStage } from './provision.ts';
import { RawAnnouncer } from './raw-announcer.ts';
import { startWorkers, type Workers } from './workers.ts';

const execFileP = promisify(execFile);

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const SAMPLE_CSV = join(REPO_ROOT, 'packages/cli/demo/sample-drop.csv');

export type ScenarioStep =
  | 'drops'
  | 'quarantine-alert'
  | 'scheduled-ingestion'
  | 'failing-run'
  | 'poison-redrive';
export const ALL_STEPS: readonly ScenarioStep[] = [
  'drops',
  'quarantine-alert',
  'scheduled-ingestion',
  'failing-run',
  'poison-redrive',
];

export interface RehearsalOptions {
  stageName?: string;
  /** Scenario steps to run, in order (default: all). */
  steps?: readonly ScenarioStep[];
  /** Services whose workers run (default: all). */
  services?: string[];
  /** Per role name: statement Sids removed from its policy (negative cases). */
  removeStatements?: Record<string, string[]>;
  /** Scales batching windows; 1 = the topology's. */
  windowScale?: number;
  /** Idle wait per step before giving up (ms). */
  stepTimeoutMs?: number;
  /** An emulator already running (a test file's); else one from the environment. */
  emulator?: Emulator;
  log?: (line: string) => void;
  /** Keep the work folder (logs) after the run. */
  keepWorkDir?: boolean;
  /** Put the sample CSV with this AWS CLI (`aws s3 cp`) instead of the SDK. */
  awsCli?: string;
}

export interface StepResult {
  step: ScenarioStep;
  ok: boolean;
  checks: { what: string; ok: boolean; detail?: string }[];
}

export interface RehearsalSummary {
  ok: boolean;
  endpoint: string;
  stage: string;
  objects: number;
  runs: { jobRunId: string; state: string; rowsIn?: number; rowsQuarantined?: number }[];
  partitions: Record<string, number>;
  alerts: { kind?: string; title?: string }[];
  pipelineEvents: Record<string, number>;
  dlqDepths: Record<string, number>;
  steps: StepResult[];
  workers: Record<string, { batches: number; records: number; failedRecords: number; accessDenied: number }>;
  skipped: string[];
  workDir: string;
}

const ADMIN_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

/**
 * The harness's own principal: an admin user created before IAM enforcement starts, once
 * per emulator (a test file shares one across its stages).
 */
async function adminCredentials(em: Emulator, region: string): Promise<Credentials | undefined> {
  if (!em.owned) return undefined; // the user's endpoint: the standard credential chain
  if (em.admin) return em.admin;
  const boot = awsClients(
    { url: em.endpoint, region },
    { accessKeyId: 'bootstrap', secretAccessKey: 'bootstrap' },
  );
  const user = 'ohlcv-rehearsal-admin';
  await boot.iam.send(new CreateUserCommand({ UserName: user }));
  await boot.iam.send(
    new PutUserPolicyCommand({ UserName: user, PolicyName: 'admin', PolicyDocument: ADMIN_POLICY }),
  );
  const key = await boot.iam.send(new CreateAccessKeyCommand({ UserName: user }));
  await enforceIam(em.endpoint);
  em.admin = {
    accessKeyId: key.AccessKey?.AccessKeyId as string,
    secretAccessKey: key.AccessKey?.SecretAccessKey as string,
  };
  return em.admin;
}

const CANONICAL_NDJSON = (now: string): string =>
  [
    { ts: '2024-03-04T14:30:00Z', open: 10, high: 11, low: 9.5, close: 10.5 },
    { ts: '2024-03-04T14:31:00Z', open: 10.5, high: 10.8, low: 10.1, close: 10.2 },
    // Two bad rows (high below low; negative price): quarantined with their reason.
    { ts: '2024-03-04T14:32:00Z', open: 10.2, high: 9, low: 10, close: 10.1 },
    { ts: '2024-03-04T14:33:00Z', open: -1, high: 10.4, low: 10, close: 10.3 },
  ]
    .map((b) =>
      JSON.stringify({
        symbol: 'REH',
        exchange: 'XNAS',
        mic_code: 'XNAS',
        currency: 'USD',
        instrument_type: 'Common Stock',
        interval: '1min',
        ts: b.ts,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: 1000,
        source: 'rehearsal',
        ingested_at: now,
      }),
    )
    .join('\n')
    .concat('\n');

export class Rehearsal {
  readonly admin: AwsClients;
  readonly endpoint: Endpoint;
  private tap!: PipelineTap;
  private webhook!: WebhookReceiver;
  private workers!: Workers;
  private glue!: GlueRuns;
  private announcer!: RawAnnouncer;
  private closeTd: () => Promise<void> = async () => {};
  stage!: ProvisionedStage;
  readonly steps: StepResult[] = [];

  private constructor(
    readonly emulator: Emulator,
    readonly adminCreds: Credentials | undefined,
    readonly opts: RehearsalOptions,
    readonly workDir: string,
    region: string,
  ) {
    this.endpoint = { url: emulator.endpoint, region };
    this.admin = awsClients(this.endpoint, adminCreds);
  }

  private log(line: string) {
    this.opts.log?.(line);
  }

  static async start(opts: RehearsalOptions = {}): Promise<Rehearsal> {
    const stageName = opts.stageName ?? 'rehearsal';
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const emulator = opts.emulator ?? (await emulatorFromEnv());
    const workDir = mkdtempSync(join(tmpdir(), `ohlcv-stage-${stageName}-`));
    mkdirSync(join(workDir, 'logs'), { recursive: true });
    const creds = await adminCredentials(emulator, region);
    const r = new Rehearsal(emulator, creds, opts, workDir, region);
    await r.provision(stageName);
    return r;
  }

  private async provision(stageName: string): Promise<void> {
    const recorded = recordStage(stageName, {
      env: { OHLCV_AWS_REGION: this.endpoint.region, OHLCV_WATCHLIST: 'AAPL,EUR/USD' },
      root: REPO_ROOT,
    });
    this.webhook = await startWebhookReceiver();
    const td = await startEmbeddedTwelveData({ apiKey: 'rehearsal-key' });
    this.closeTd = () => td.close();
    const identity = await this.admin.sts.send(new GetCallerIdentityCommand({}));
    this.stage = await provisionStage(recorded, {
      endpoint: this.endpoint,
      admin: this.admin,
      secrets: { TwelveDataApiKey: 'rehearsal-key', AlertWebhookUrl: this.webhook.url, SlackWebhookUrl: '' },
      removeStatements: this.opts.removeStatements,
      suffix: Math.random().toString(36).slice(2, 8),
      ...(identity.Account ? { accountId: identity.Account } : {}),
    });
    this.log(
      `provisioned stage ${stageName}: bucket ${this.stage.bucket}, ${Object.keys(this.stage.functions).length} functions`,
    );
    this.tap = await PipelineTap.create(this.admin, this.stage.pipelineBus, stageName);
    this.announcer = new RawAnnouncer(
      this.admin,
      this.stage.bucket,
      this.stage.accountId,
      this.endpoint.region,
    );
    this.glue = new GlueRuns(
      this.admin,
      awsClients(this.endpoint, this.stage.glueJob.credentials),
      this.stage.etlJobName,
      join(this.workDir, 'glue'),
    );
    this.workers = await startWorkers(this.stage.functions, {
      endpoint: this.endpoint,
      repoRoot: REPO_ROOT,
      logDir: join(this.workDir, 'logs'),
      only: this.opts.services,
      windowScale: this.opts.windowScale ?? 1,
      extraEnv: { ingestion: { TWELVE_DATA_BASE_URL: td.url } },
    });
  }

  /** Messages visible or in flight on the queues of the running workers (not DLQs). */
  private async queued(): Promise<number> {
    let n = 0;
    const running = Object.values(this.stage.functions)
      .filter((f) => !this.opts.services || this.opts.services.includes(f.service))
      .map((f) => f.queue);
    for (const q of running) {
      const a = await this.admin.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: q.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      n +=
        Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    }
    return n;
  }

  async dlqDepths(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const q of Object.values(this.stage.queues)) {
      const a = await this.admin.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: q.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      out[q.name] =
        Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    }
    return out;
  }

  /** Announces raw/ objects, runs Glue runs, until no queue holds anything and no worker is busy. */
  async runUntilIdle(timeoutMs = this.opts.stepTimeoutMs ?? 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (Date.now() < deadline) {
      const announced = await this.announcer.step();
      const ran = await this.glue.step();
      await this.tap.drain();
      const queued = await this.queued();
      const busy = this.workers.anyBusy();
      if (announced === 0 && ran === 0 && queued === 0 && !busy) {
        quiet += 1;
        // Twice quiet, apart: a worker may have received just before its state was read.
        if (quiet >= 3) return true;
      } else quiet = 0;
      await new Promise((r) => setTimeout(r, 300));
    }
    return false;
  }

  private async partitions(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of Object.values(tables)) {
      const got = await this.admin.glue.send(
        new GetPartitionsCommand({ DatabaseName: this.stage.glueDatabase, TableName: t.name }),
      );
      out[t.name] = got.Partitions?.length ?? 0;
    }
    return out;
  }

  private async step(
    step: ScenarioStep,
    body: (check: (what: string, ok: boolean, detail?: string) => void) => Promise<void>,
  ) {
    const checks: StepResult['checks'] = [];
    const check = (what: string, ok: boolean, detail?: string) => {
      checks.push({ what, ok, ...(detail ? { detail } : {}) });
      this.log(`  ${ok ? '✓' : '✗'} ${what}${detail ? ` (${detail})` : ''}`);
    };
    this.log(`step ${step}`);
    try {
      await body(check);
    } catch (err) {
      check('step ran without error', false, (err as Error).message);
      this.log(String((err as Error).stack));
    }
    this.steps.push({ step, ok: checks.every((c) => c.ok), checks });
  }

  private alertsOf(kind: string) {
    return this.webhook.received.filter((r) => JSON.stringify(r.body).includes(kind)).length;
  }

  async runScenario(steps: readonly ScenarioStep[] = this.opts.steps ?? ALL_STEPS): Promise<void> {
    const bucket = this.stage.bucket;
    for (const step of steps) {
      if (step === 'drops')
        await this.step(step, async (check) => {
          const runsBefore = this.glue.runs.length;
          if (this.opts.awsCli) {
            // What a user does: the image's AWS CLI against the same endpoint.
            await execFileP(
              this.opts.awsCli,
              ['s3', 'cp', SAMPLE_CSV, `s3://${bucket}/raw/drops/sample-drop.csv`],
              {
                env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.adminEnv() },
              },
            );
          } else {
            await this.admin.s3.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: 'raw/drops/sample-drop.csv',
                Body: readFileSync(SAMPLE_CSV),
              }),
            );
          }
          check('idle after the drop', await this.runUntilIdle());
          const runs = this.glue.runs.slice(runsBefore);
          check(
            'the drop ran one Glue job run that succeeded',
            runs.length >= 1 && runs.every((r) => r.state === 'SUCCEEDED'),
            JSON.stringify(runs),
          );
          const parts = await this.partitions();
          check(
            'GetPartitions lists the run’s bars and rollups',
            (parts.bars ?? 0) > 0 && (parts.bars_daily ?? 0) > 0,
            JSON.stringify(parts),
          );
          check('ETL Run Completed on the pipeline bus', this.tap.count('ETL Run Completed') >= 1);
          check('Partitions Registered on the pipeline bus', this.tap.count('Partitions Registered') >= 1);
        });
      if (step === 'quarantine-alert')
        await this.step(step, async (check) => {
          const before = this.alertsOf('quarantine');
          await this.admin.s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: 'raw/drops/canonical.ndjson',
              Body: CANONICAL_NDJSON(new Date().toISOString()),
            }),
          );
          check('idle after the drop', await this.runUntilIdle());
          const last = this.glue.runs.at(-1);
          check('the run quarantined the bad rows', (last?.rowsQuarantined ?? 0) >= 2, JSON.stringify(last));
          check('the webhook received the quarantine alert', this.alertsOf('quarantine') > before);
        });
      if (step === 'scheduled-ingestion')
        await this.step(step, async (check) => {
          const schedule = this.stage.schedules[0];
          if (!schedule) throw new Error('the stage has no schedule');
          const tick = {
            version: '0',
            id: `tick-${Date.now()}`,
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: this.stage.accountId,
            time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            region: this.endpoint.region,
            resources: [
              `arn:aws:events:${this.endpoint.region}:${this.stage.accountId}:rule/${schedule.ruleName}`,
            ],
            detail: {},
          };
          // What EventBridge delivers for the schedule's target (moto never fires schedules).
          const body = renderInputTemplate(schedule.inputTemplate, schedule.inputPaths, tick);
          const rawBefore = await this.count('raw/');
          await this.admin.sqs.send(
            new SendMessageCommand({ QueueUrl: schedule.queueUrl, MessageBody: body }),
          );
          check('idle after the tick', await this.runUntilIdle((this.opts.stepTimeoutMs ?? 60_000) * 1.5));
          const rawAfter = await this.count('raw/');
          check('ingestion wrote bars into raw/', rawAfter > rawBefore, `${rawBefore} → ${rawAfter}`);
          check(
            'Ingestion Batch Completed on the pipeline bus',
            this.tap.count('Ingestion Batch Completed') >= 1,
          );
          check('its objects were processed by a Glue run', this.glue.runs.at(-1)?.state === 'SUCCEEDED');
        });
      if (step === 'failing-run')
        await this.step(step, async (check) => {
          const before = this.webhook.received.length;
          // A run whose manifest does not exist: the job fails, as a broken input would.
          await this.admin.glue.send(
            new StartJobRunCommand({
              JobName: this.stage.etlJobName,
              Arguments: {
                '--manifest_key': '_manifests/missing.json',
                '--correlation_id': 'rehearsal-failing-run',
              },
            }),
          );
          check('idle after the failing run', await this.runUntilIdle());
          check('the run FAILED', this.glue.runs.at(-1)?.state === 'FAILED', this.glue.runs.at(-1)?.message);
          check('the webhook received the job-failure alert', this.webhook.received.length > before);
        });
      if (step === 'poison-redrive')
        await this.step(step, async (check) => {
          const q = this.stage.queues['catalog-sync'];
          if (!q) throw new Error('no catalog-sync queue');
          const ok = this.glue.runs.find((r) => r.state === 'SUCCEEDED');
          if (!ok) throw new Error('the poison step needs a succeeded run before it');
          // A state change whose run summary is not there (yet): catalog-sync fails it until
          // SQS moves it to the DLQ.
          const lateRun = `jr_late_${Date.now()}`;
          await this.admin.events.send(
            new PutEventsCommand({
              Entries: [
                {
                  Source: GLUE_SOURCE,
                  DetailType: GLUE_JOB_STATE_CHANGE,
                  Detail: JSON.stringify({
                    jobName: this.stage.etlJobName,
                    severity: 'INFO',
                    state: 'SUCCEEDED',
                    jobRunId: lateRun,
                    message: 'Job run succeeded',
                  }),
                  EventBusName: 'default',
                },
              ],
            }),
          );
          check('idle after the poison record', await this.runUntilIdle());
          check(
            'the poison record is in the catalog-sync DLQ',
            (await this.dlqDepths())['catalog-sync'] === 1,
          );
          // The fix: the summary becomes readable. Then `dlq redrive` (the same SQS calls).
          const summary = JSON.parse(await this.text(`_runs/${ok.jobRunId}/summary.json`));
          await this.admin.s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `_runs/${lateRun}/summary.json`,
              Body: JSON.stringify({ ...summary, jobRunId: lateRun }),
            }),
          );
          const { moved } = await redriveDlq(this.admin.sqs, { dlqUrl: q.dlqUrl, queueUrl: q.url });
          check('dlq redrive moved it back', moved === 1);
          check('idle after the redrive', await this.runUntilIdle());
          check(
            'processed: its synced marker exists',
            (await this.count(`_runs/${lateRun}/catalog-synced.json`)) === 1,
          );
          check('the catalog-sync DLQ is empty again', (await this.dlqDepths())['catalog-sync'] === 0);
        });
    }
  }

  private async count(prefix: string): Promise<number> {
    let n = 0;
    let token: string | undefined;
    do {
      const page = await this.admin.s3.send(
        new ListObjectsV2Command({ Bucket: this.stage.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      n += page.KeyCount ?? 0;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return n;
  }

  private async text(key: string): Promise<string> {
    const out = await this.admin.s3.send(new GetObjectCommand({ Bucket: this.stage.bucket, Key: key }));
    return (await out.Body?.transformToString()) ?? '';
  }

  /** How many log lines of a worker mention an access denial. */
  accessDenied(service: string): number {
    try {
      const log = readFileSync(join(this.workDir, 'logs', `${service}.log`), 'utf8');
      return log.split('\n').filter((l) => /AccessDenied|Access Denied|not authorized/i.test(l)).length;
    } catch {
      return 0;
    }
  }

  /** Environment for the AWS CLI and SDK clients as the harness's admin principal. */
  adminEnv(): Record<string, string> {
    return this.adminCreds ? sdkEnv(this.endpoint, this.adminCreds) : { AWS_ENDPOINT_URL: this.endpoint.url };
  }

  async summary(): Promise<RehearsalSummary> {
    const dlqDepths = await this.dlqDepths();
    const workers = Object.fromEntries(
      Object.entries(this.workers.states).map(([s, w]) => [
        s,
        {
          batches: w.batches,
          records: w.records,
          failedRecords: w.failedRecords,
          accessDenied: this.accessDenied(s),
        },
      ]),
    );
    const pipelineEvents: Record<string, number> = {};
    for (const e of this.tap.events) pipelineEvents[e.detailType] = (pipelineEvents[e.detailType] ?? 0) + 1;
    const ok =
      this.steps.length > 0 &&
      this.steps.every((s) => s.ok) &&
      Object.values(dlqDepths).every((d) => d === 0) &&
      Object.values(workers).every((w) => w.accessDenied === 0);
    return {
      ok,
      endpoint: this.endpoint.url,
      stage: this.stage.stageName,
      objects: await this.count('raw/'),
      runs: this.glue.runs,
      partitions: await this.partitions(),
      alerts: this.webhook.received.map((r) => {
        const b = r.body as { kind?: string; title?: string; alert?: { kind?: string; title?: string } };
        return { kind: b.kind ?? b.alert?.kind, title: b.title ?? b.alert?.title };
      }),
      pipelineEvents,
      dlqDepths,
      steps: this.steps,
      workers,
      skipped: this.stage.skipped,
      workDir: this.workDir,
    };
  }

  async close(): Promise<void> {
    await this.workers?.stop();
    await this.webhook?.close();
    await this.closeTd();
    if (!this.opts.emulator) await this.emulator.stop();
    if (!this.opts.keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }
}
