/**
 * `events subscriptions`, `events schemas` and `dlq … --subscription` through `main`, on a real
 * runtime folder and a real loopback subscriber.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipelineEventInput } from '@ohlcv/events';
import { LocalRuntime } from '@ohlcv/local';
import { type Receiver, startReceiver } from '@ohlcv/local/subscriptions/testing/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { runtimeOptions } from '../session.ts';
import { captureIO } from '../testing/capture-io.ts';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
let dir: string;
let receiver: Receiver;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-subs-'));
  receiver = await startReceiver('/in');
  fs.writeFileSync(
    path.join(dir, 'subs.json'),
    JSON.stringify({
      subscriptions: [
        {
          name: 'alerts',
          pattern: { source: ['ohlcv.quality-alert'] },
          endpoint: `${receiver.url}?token=do-not-print`,
          auth: { header: 'X-Api-Key', secret: 'AlertsKey' },
          retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 3600 },
        },
      ],
    }),
  );
  env = { OHLCV_HOME: path.join(dir, 'home'), OHLCV_SUBSCRIPTIONS: 'subs.json', ALERTS_KEY: 'k1' };
});
afterAll(async () => {
  await receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ohlcv = async (argv: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
  const { io, out } = captureIO({ cwd: dir, env: { ...env, ...extraEnv } });
  const code = await main(argv, io);
  return { code, ...out };
};

describe('subscription commands', () => {
  it('events subscriptions counts deliveries, dlq --subscription lists and redrives them to that subscription', async () => {
    const rt = LocalRuntime.open(runtimeOptions(captureIO({ cwd: dir, env }).io));
    try {
      await rt.publisher.publish([
        pipelineEventInput('Alert Raised', {
          schemaVersion: 1,
          correlationId: 'c1',
          alertId: 'a1',
          severity: 'critical',
          kind: 'job-failed',
          title: 't',
          message: 'm',
          context: {},
        }),
      ]);
      receiver.script({ status: 503 });
      await rt.subscriptions.deliverer.runOnce();
    } finally {
      await rt.close();
    }
    const listed = await ohlcv(['events', 'subscriptions', '--format', 'json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { name: 'alerts', delivered: 0, failed: 1, deadLettered: 1, inDlq: 1, pending: 0 },
    ]);
    expect(listed.stdout).not.toContain('do-not-print');
    const table = await ohlcv(['events', 'subscriptions']);
    expect(table.stdout).toMatch(/alerts\s+http:\/\/127\.0\.0\.1:\d+\/\*\*\*\s+0\s+1\s+1\s+1\s+0/);

    const dl = await ohlcv(['dlq', 'list', '--subscription', 'alerts', '--format', 'json']);
    expect(JSON.parse(dl.stdout)[0]).toMatchObject({ attempts: 1, lastStatus: 503 });
    const redriven = await ohlcv(['dlq', 'redrive', '--subscription', 'alerts']);
    expect(redriven).toMatchObject({ code: 0 });
    expect(redriven.stdout).toContain('redrove 1 event(s) of subscription alerts');
    expect(
      JSON.parse((await ohlcv(['events', 'subscriptions', '--format', 'json'])).stdout)[0],
    ).toMatchObject({
      inDlq: 0,
      pending: 1,
    });
    // Delivered by the next runtime that runs the deliverer (here: drain).
    const drained = await ohlcv(['drain']);
    expect(drained.code, drained.stderr).toBeLessThanOrEqual(1);
    expect(
      JSON.parse((await ohlcv(['events', 'subscriptions', '--format', 'json'])).stdout)[0],
    ).toMatchObject({
      delivered: 1,
      pending: 0,
    });
    expect(receiver.requests.map((r) => r.headers['x-api-key'])).toEqual(['k1', 'k1']);
  }, 120_000);

  it('bad input exits 2 naming the field or the name', async () => {
    expect(await ohlcv(['dlq', 'redrive', '--subscription', 'nope'])).toMatchObject({ code: 2 });
    expect((await ohlcv(['dlq', 'redrive', '--subscription', 'nope'])).stderr).toContain(
      'unknown subscription "nope"; declared: alerts',
    );
    expect((await ohlcv(['dlq', 'redrive', 'etl-trigger', '--subscription', 'alerts'])).code).toBe(2);
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ subscriptions: [{ name: 'x' }] }));
    const bad = await ohlcv(['events', 'subscriptions'], { OHLCV_SUBSCRIPTIONS: 'bad.json' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.json: subscriptions[0].pattern');
    expect((await ohlcv(['events', 'schemas', 'nope'])).code).toBe(2);
    expect((await ohlcv(['events', 'schemas', '--dialect', 'draft-07'])).code).toBe(2);
  });

  it('events schemas prints the checked-in schemas, both dialects', async () => {
    const r = await ohlcv(['events', 'schemas', 'Alert Raised']);
    expect(r.stdout).toBe(fs.readFileSync(path.join(repoRoot, 'events/schemas/alert-raised.json'), 'utf8'));
    const d4 = await ohlcv(['events', 'schemas', 'alert-raised', '--dialect', 'draft-04']);
    expect(d4.stdout).toBe(
      fs.readFileSync(path.join(repoRoot, 'events/schemas/registry/alert-raised.json'), 'utf8'),
    );
    const list = JSON.parse(
      (await ohlcv(['events', 'schemas', '--dialect', 'draft-04', '--format', 'json'])).stdout,
    );
    expect(list).toHaveLength(8);
    expect(list[0]).toMatchObject({ bus: 'pipeline', registrySchema: 'ohlcv.scheduler@IngestionRequested' });
    expect((await ohlcv(['events', 'schemas'])).stdout).toContain('Object Created');
  });
});
