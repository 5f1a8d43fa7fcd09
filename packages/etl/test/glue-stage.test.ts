/**
 * Without Spark: the Glue job as infra declares it can find everything it reads. Every
 * file the plan names resolves under --sql_prefix in infra's uploads, and the script and
 * --extra-py-files are uploaded. (The parity suite then runs that layout on pyspark.)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../src/plan.ts';
import { glueJobFiles } from '../src/spark-engine.ts';
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
