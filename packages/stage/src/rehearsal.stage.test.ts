/**
 * The stage rehearsal as a test: the scenario through every hop on moto (IAM enforced), and
 * for each service a negative case — its policy without one statement fails with AccessDenied.
 * One moto server for the file; each case provisions its own stage into it.
 */
import { existsSync } from 'node:fs';
import { requireToolchain, venvPython } from '@ohlcv/core/testing/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSyncConfig } from '../../../services/catalog-sync/src/config.ts';
import { etlTriggerConfig } from '../../../services/etl-trigger/src/config.ts';
import { ingestionConfig } from '../../../services/ingestion/src/config.ts';
import { qualityAlertConfig } from '../../../services/quality-alert/src/config.ts';
import { type Emulator, startMoto } from './moto-server.ts';
import { Rehearsal, type RehearsalOptions, type RehearsalSummary } from './rehearsal.ts';

const hasMoto = requireToolchain(
  'moto server (python venv)',
  !!venvPython(),
  'run .ci/prepare.d/10-python.sh (builds ~/.cache/ohlcv-data-engine/venv with moto[server])',
);
const AWS_CLI = ['/usr/local/bin/aws', '/usr/bin/aws', `${process.env.HOME}/.pyenv/shims/aws`].find((p) =>
  existsSync(p),
);

describe.skipIf(!hasMoto)('stage rehearsal on moto with IAM enforced', () => {
  let moto: Emulator;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  const rehearse = async (
    opts: RehearsalOptions,
    inspect?: (r: Rehearsal) => void,
  ): Promise<{ summary: RehearsalSummary; r: Rehearsal }> => {
    const r = await Rehearsal.start({ windowScale: 0.2, stepTimeoutMs: 60_000, ...opts, emulator: moto });
    try {
      inspect?.(r);
      await r.runScenario();
      return { summary: await r.summary(), r };
    } finally {
      await r.close();
    }
  };

  it('runs the whole scenario: drops, quarantine alert, scheduled ingestion, failing run, poison → DLQ → redrive', async () => {
    const { summary } = await rehearse(
      { stageName: 'full', ...(AWS_CLI ? { awsCli: AWS_CLI } : {}) },
      (r) => {
        // Each function's synthesized environment, parsed by that service's own parser.
        const parsers: Record<string, (e: NodeJS.ProcessEnv) => unknown> = {
          ingestion: ingestionConfig,
          'etl-trigger': etlTriggerConfig,
          'catalog-sync': catalogSyncConfig,
          'quality-alert': qualityAlertConfig,
        };
        expect(Object.keys(r.stage.functions).sort()).toEqual(Object.keys(parsers).sort());
        for (const [svc, fn] of Object.entries(r.stage.functions))
          expect(() => parsers[svc]?.(fn.environment), svc).not.toThrow();
      },
    );
    const failed = summary.steps.flatMap((s) =>
      s.checks.filter((c) => !c.ok).map((c) => `${s.step}: ${c.what} ${c.detail ?? ''}`),
    );
    expect(failed).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.partitions.bars).toBeGreaterThan(0);
    expect(summary.alerts.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['quarantine-threshold', 'job-failed']),
    );
    expect(Object.values(summary.dlqDepths).every((d) => d === 0)).toBe(true);
    expect(Object.values(summary.workers).every((w) => w.accessDenied === 0)).toBe(true);
  }, 240_000);

  // One statement removed from one function's policy: that function's calls are denied.
  const negatives: { service: string; sid: string; steps: RehearsalOptions['steps']; services: string[] }[] =
    [
      {
        service: 'ingestion',
        sid: 'IngestionState',
        steps: ['scheduled-ingestion'],
        services: ['ingestion'],
      },
      { service: 'etl-trigger', sid: 'Manifests', steps: ['drops'], services: ['etl-trigger'] },
      {
        service: 'catalog-sync',
        sid: 'RunSummariesAndMarkers',
        steps: ['drops'],
        services: ['etl-trigger', 'catalog-sync'],
      },
      { service: 'quality-alert', sid: 'AlertMarkers', steps: ['failing-run'], services: ['quality-alert'] },
    ];
  for (const n of negatives) {
    it.concurrent(`${n.service} without its ${n.sid} statement fails with AccessDenied`, async () => {
      const stageName = `neg-${n.service}`;
      const { summary, r } = await rehearse({
        stageName,
        steps: n.steps,
        services: n.services,
        removeStatements: { [`${stageName}-${n.service}-fn`]: [n.sid] },
        stepTimeoutMs: 30_000,
      });
      expect(summary.ok).toBe(false);
      expect(
        summary.workers[n.service]?.accessDenied,
        `${n.service} log mentions AccessDenied`,
      ).toBeGreaterThan(0);
      // The removal is what failed it: every other worker ran without a denial.
      for (const [svc, w] of Object.entries(summary.workers))
        if (svc !== n.service) expect(w.accessDenied, svc).toBe(0);
      expect(r.stage.functions[n.service]?.policy.Statement.some((s) => s.Sid === n.sid)).toBe(false);
    }, 120_000);
  }
});
