/**
 * Without Spark: the Glue job as infra declares it can find everything it reads. Every
 * file the plan names resolves under --sql_prefix in infra's uploads, and the script and
 * --extra-py-files are uploaded; the staging limits set at deploy reach the job as the
 * values it runs with. (The parity suite then runs that layout on pyspark.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STAGING_LIMITS, stagingLimitsFromEnv, stagingLimitsFromJobArguments } from '@ohlcv/core';
import { requireToolchain, venvPython } from '@ohlcv/core/testing/toolchain';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../src/plan.ts';
import { glueJobFiles, glueScriptDir } from '../src/spark-engine.ts';
import { installGlueStage, recordedGlueJob } from './glue-stage.ts';

describe("the Glue job's arguments and uploads (recorded infra graph)", () => {
  it('every plan file is under --sql_prefix, and the script and modules are uploaded', () => {
    const job = recordedGlueJob();
    const root = mkdtempSync(join(tmpdir(), 'glue-stage-'));
    try {
      const run = installGlueStage(job, root);
      const prefix = job.defaultArguments['--sql_prefix']!;
      expect(prefix.endsWith('/')).toBe(true);
      const local = join(root, prefix.slice(`s3://${job.bucket}/`.length));
      const plan = loadPlan();
      const files = [
        'etl/plan.json',
        'etl/dialect.json',
        'etl/tables.json',
        `etl/${plan.runParams.select}`,
        ...plan.steps.map((s) => `etl/${s.file}`),
        ...Object.values(plan.existing).map((e) => `etl/${e.select}`),
        ...plan.quality.rules.map((r) => `quality/${r}.sql`),
      ];
      for (const f of files) expect(existsSync(join(local, f)), `${prefix}${f}`).toBe(true);
      expect([run.script, ...run.pyFiles].map((p) => p.split('/').pop())).toEqual([...glueJobFiles]);
      for (const p of [run.script, ...run.pyFiles]) expect(existsSync(p), p).toBe(true);
      expect(Object.keys(job.defaultArguments)).not.toContain('--dq_ruleset');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

const python = venvPython();
const withPython = requireToolchain(
  'Python 3.11 (the test venv)',
  python !== undefined,
  'run .ci/prepare.d/10-python.sh (builds ~/.cache/ohlcv-data-engine/venv) or set OHLCV_TEST_PYTHON',
);

/**
 * The staging limits as the Glue job sees them: its own argument parsing (etl_job.resolve_args,
 * getResolvedOptions' rule) and etl_plan.staging_limits, fed the argv Glue builds from the
 * recorded DefaultArguments (plus the run's own --JOB_RUN_ID).
 */
function limitsTheJobReads(defaultArguments: Record<string, string>): unknown {
  const argv = [
    'etl_job.py',
    ...Object.entries({ ...defaultArguments, '--JOB_NAME': 'j', '--JOB_RUN_ID': 'jr_1' }).flat(),
  ];
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(glueScriptDir)})`,
    'import etl_job, etl_plan',
    'print(json.dumps(etl_plan.staging_limits(etl_job.resolve_args(json.loads(sys.argv[1])))))',
  ].join('\n');
  const r = spawnSync(python!, ['-c', code, JSON.stringify(argv)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe.runIf(withPython)(
  "the Glue job's staging limits (recorded infra graph, the job's own parsing)",
  () => {
    it('a deploy with OHLCV_MIN_DATE and the byte limits set: the job runs with exactly those', () => {
      const env = {
        OHLCV_MIN_DATE: '1990-01-01',
        OHLCV_MAX_LINE_BYTES: '2048',
        OHLCV_MAX_OBJECT_BYTES: '65536',
      };
      const job = recordedGlueJob('dev', 'ohlcv-test-lake', env);
      // The same setting the local runtime reads, the same values on Glue.
      expect(limitsTheJobReads(job.defaultArguments)).toEqual(stagingLimitsFromEnv(env));
      // ... and in the stage rehearsal's stand-in for the job (the TypeScript twin of the parsing).
      expect(stagingLimitsFromJobArguments(job.defaultArguments)).toEqual(stagingLimitsFromEnv(env));
    });

    it('a deploy without them: the job runs with the local defaults', () => {
      const job = recordedGlueJob();
      expect(limitsTheJobReads(job.defaultArguments)).toEqual(DEFAULT_STAGING_LIMITS);
      // Its own defaults (no argument at all) are the same: the defaults live twice, checked here.
      const {
        '--MIN_DATE': _m,
        '--MAX_LINE_BYTES': _l,
        '--MAX_OBJECT_BYTES': _o,
        ...rest
      } = job.defaultArguments;
      expect(limitsTheJobReads(rest)).toEqual(DEFAULT_STAGING_LIMITS);
    });
  },
);
