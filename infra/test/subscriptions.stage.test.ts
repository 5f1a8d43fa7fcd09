/**
 * A subscription's routing on an AWS API emulator: the pipeline bus, the subscription's rule,
 * connection, API destination and target are provisioned into moto from the graph `deploy()`
 * records (not a hand-written copy), events are put on the bus with PutEvents, and a real HTTP
 * receiver on loopback must get exactly the matching ones.
 *
 * moto (with MOTO_EVENTS_INVOKE_HTTP=true) sends only method, URL and the target's header
 * parameters as literal strings — no body, no connection auth, no JSON-path resolution, no
 * retries or DLQ — so this proves the rule's pattern (matched by moto's own engine), the bus it
 * sits on and the rule -> API destination -> endpoint wiring; the rest is the synth test's.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { requireToolchain, venvPython } from '@ohlcv/core/testing/toolchain';
import { type Receiver, startReceiver } from '@ohlcv/local/subscriptions/testing/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../index.ts';
import type { Platform } from '../platform.ts';
import { ACCOUNT_ID, createRecorder, type RecordedResource, token } from '../recorder.ts';
import { stageConfig } from '../stages.ts';
import { Graph } from './assertions.ts';

const python = venvPython();
const motoServer = python ? join(dirname(python), 'moto_server') : undefined;
const run = requireToolchain(
  'moto (the test venv)',
  !!motoServer && existsSync(motoServer),
  'run .ci/prepare.d/10-python.sh (builds ~/.cache/ohlcv-data-engine/venv with moto[server] 5.2.1)',
);

const REGION = 'us-east-1';
// The README's AWS example is written for stage dev.
const STAGE = 'dev';
const repoRoot = process.cwd();

/** The fenced block after `<!-- example: NAME` in the README. */
const readmeExample = (name: string): string => {
  const text = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const at = text.indexOf(`<!-- example: ${name}`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at))?.[1];
  if (at < 0 || !block) throw new Error(`README.md has no example ${name}`);
  return block;
};
const onPath = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function startMoto(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(String(motoServer), ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_EVENTS_INVOKE_HTTP: 'true' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) return { url, proc };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('moto_server did not start within 15 s');
}

describe.runIf(run)('a subscription on the stage rehearsal emulator (moto)', () => {
  let moto: { url: string; proc: ChildProcess };
  let receiver: Receiver;
  let eb: EventBridgeClient;
  let busName: string;
  const dir = mkdtempSync(join(tmpdir(), 'ohlcv-subs-stage-'));
  const saved = { ...process.env };

  beforeAll(async () => {
    [moto, receiver] = await Promise.all([startMoto(), startReceiver('/ohlcv/events')]);
    eb = new EventBridgeClient({
      endpoint: moto.url,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });

    // Record the stage as `sst deploy` would, with the README's subscription (its loopback
    // endpoint pointed at this receiver's port).
    const file = join(dir, 'subscriptions.json');
    const declared = /<<'JSON'\n([\s\S]*?)\nJSON\n/.exec(readmeExample('subscriptions-local'))?.[1] ?? '';
    writeFileSync(
      file,
      declared.replace(/http:\/\/127\.0\.0\.1:\d+\//, `http://127.0.0.1:${receiver.port}/`),
    );
    process.env.OHLCV_SUBSCRIPTIONS = file;
    process.env.AWS_ENDPOINT_URL = moto.url;
    const rec = createRecorder();
    const platform = {
      app: { name: 'ohlcv', stage: STAGE },
      aws: rec.aws,
      sst: rec.sst,
      util: rec.util,
      accountId: ACCOUNT_ID,
      root: process.cwd(),
    } as unknown as Platform;
    deploy(platform, stageConfig(STAGE, { OHLCV_AWS_REGION: REGION }));
    const g = new Graph(rec.resources);

    // Provision the recorded resources; each created resource's outputs replace its tokens.
    const known = new Map<string, string>([[token('sst.Secret', 'EtlRunsHookKey', 'value'), 'k-rehearsal']]);
    const resolve = <T>(v: T): T => {
      if (typeof v === 'string') return v.replace(/\$\{[^}]+\}/g, (t) => known.get(t) ?? t) as T;
      if (Array.isArray(v)) return v.map(resolve) as T;
      if (v && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)])) as T;
      return v;
    };
    const one = (type: string, pred: (r: RecordedResource) => boolean = () => true) => {
      const found = g.ofType(type).filter(pred);
      expect(found, type).toHaveLength(1);
      return found[0] as RecordedResource;
    };
    const isSub = (r: RecordedResource) => r.name.startsWith('SubEtlRuns');

    const bus = one('aws.cloudwatch.EventBus');
    busName = bus.args.name;
    const created = await eb.send(new CreateEventBusCommand({ Name: busName }));
    known.set(token(bus.type, bus.name, 'name'), busName);
    known.set(token(bus.type, bus.name, 'arn'), String(created.EventBusArn));

    const conn = resolve(one('aws.cloudwatch.EventConnection', isSub));
    const c = await eb.send(
      new CreateConnectionCommand({
        Name: conn.args.name,
        AuthorizationType: conn.args.authorizationType,
        AuthParameters: {
          ApiKeyAuthParameters: {
            ApiKeyName: conn.args.authParameters.apiKey.key,
            ApiKeyValue: conn.args.authParameters.apiKey.value,
          },
        },
      }),
    );
    known.set(token(conn.type, conn.name, 'arn'), String(c.ConnectionArn));

    const dest = resolve(one('aws.cloudwatch.EventApiDestination', isSub));
    const d = await eb.send(
      new CreateApiDestinationCommand({
        Name: dest.args.name,
        ConnectionArn: dest.args.connectionArn,
        InvocationEndpoint: dest.args.invocationEndpoint,
        HttpMethod: dest.args.httpMethod,
        InvocationRateLimitPerSecond: dest.args.invocationRateLimitPerSecond,
      }),
    );
    known.set(token(dest.type, dest.name, 'arn'), String(d.ApiDestinationArn));

    const rule = resolve(one('aws.cloudwatch.EventRule', isSub));
    await eb.send(
      new PutRuleCommand({
        Name: rule.args.name,
        EventBusName: rule.args.eventBusName,
        EventPattern: rule.args.eventPattern,
      }),
    );
    known.set(token(rule.type, rule.name, 'name'), rule.args.name);

    const target = resolve(one('aws.cloudwatch.EventTarget', isSub));
    const roleName = one('aws.iam.Role', (r) => r.name === 'SubEtlRunsInvokeRole').args.name;
    const t = await eb.send(
      new PutTargetsCommand({
        Rule: target.args.rule,
        EventBusName: target.args.eventBusName,
        Targets: [
          {
            Id: 'api-destination',
            Arn: target.args.arn,
            RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`,
            HttpParameters: { HeaderParameters: target.args.httpTarget.headerParameters },
            RetryPolicy: {
              MaximumRetryAttempts: target.args.retryPolicy.maximumRetryAttempts,
              MaximumEventAgeInSeconds: target.args.retryPolicy.maximumEventAgeInSeconds,
            },
          },
        ],
      }),
    );
    expect(t.FailedEntryCount).toBe(0);
  }, 60_000);

  afterAll(async () => {
    process.env = saved;
    moto?.proc.kill('SIGKILL');
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const detail = (rowsQuarantined: number) =>
    JSON.stringify({
      schemaVersion: 1,
      correlationId: 'c1',
      jobName: `${STAGE}-ohlcv-etl`,
      jobRunId: 'jr_1',
      summaryKey: '_runs/jr_1/summary.json',
      rowsIn: 10,
      rowsKept: 10 - rowsQuarantined,
      rowsQuarantined,
      duplicates: 0,
      partitionsWritten: 1,
    });

  it('routes a matching event on <stage>-ohlcv-pipeline to the receiver on loopback, and nothing else', async () => {
    expect(busName).toBe(`${STAGE}-ohlcv-pipeline`);
    // moto calls the endpoint inside PutEvents (and waits for its answer): after each put,
    // the receiver has seen whatever that event caused.
    const putOne = async (entry: {
      EventBusName?: string;
      Source: string;
      DetailType: string;
      Detail: string;
    }) => {
      const r = await eb.send(new PutEventsCommand({ Entries: [entry] }));
      expect(r.FailedEntryCount).toBe(0);
      return receiver.requests.length;
    };
    // Other detail-type, other source, other bus: none may reach the subscriber.
    expect(
      await putOne({
        EventBusName: busName,
        Source: 'ohlcv.quality-alert',
        DetailType: 'Alert Raised',
        Detail: '{"a":1}',
      }),
    ).toBe(0);
    expect(
      await putOne({
        EventBusName: busName,
        Source: 'ohlcv.ingestion',
        DetailType: 'ETL Run Completed',
        Detail: detail(0),
      }),
    ).toBe(0);
    expect(
      await putOne({ Source: 'ohlcv.catalog-sync', DetailType: 'ETL Run Completed', Detail: detail(0) }),
    ).toBe(0);
    expect(
      await putOne({
        EventBusName: busName,
        Source: 'ohlcv.catalog-sync',
        DetailType: 'ETL Run Completed',
        Detail: detail(2),
      }),
    ).toBe(1);
    const [req] = receiver.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/ohlcv/events');
    // moto passes header parameters through literally: the JSON path EventBridge resolves to the event id.
    expect(req?.headers['idempotency-key']).toBe('$.id');
  });

  it("the README's AWS example: its put-events line reaches the subscriber", async () => {
    const line = readmeExample('subscriptions-aws')
      .split('\n')
      .find((l) => l.startsWith('aws events put-events'));
    expect(line).toBeDefined();
    const before = receiver.requests.length;
    const awsEnv = {
      ...process.env,
      AWS_ENDPOINT_URL: moto.url,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    };
    if (onPath('aws')) {
      // As written, with the AWS CLI (asynchronously: the receiver answers from this process).
      const status = await new Promise<number | null>((resolve) => {
        const p = spawn('bash', ['-c', String(line)], { env: awsEnv, stdio: 'ignore' });
        p.on('close', resolve);
      });
      expect(status).toBe(0);
    } else {
      // No AWS CLI here: the same entries, sent with the SDK.
      const entries = JSON.parse(/--entries '(.*)'$/.exec(String(line))?.[1] ?? '[]');
      expect((await eb.send(new PutEventsCommand({ Entries: entries }))).FailedEntryCount).toBe(0);
    }
    expect(receiver.requests.length - before).toBe(1);
  }, 60_000);
});
