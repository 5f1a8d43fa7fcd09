/**
 * `Data Quality Evaluation Results Available` (source `aws.glue-dataquality`): a Glue
 * Data Quality ruleset evaluation finished. AWS's documentation sample spells the
 * fields `resultID` / `rulesSucceeded` / `rulesFailed` / `rulesSkipped`, while live
 * events (and AWS's own Lambda examples) use `resultId` / `numRulesSucceeded` / ...;
 * the schema accepts both and `normalizeDataQualityResult` gives one typed shape.
 */
import { z } from 'zod';
import { buildEnvelope, envelopeSchema } from '../envelope.ts';

export const DATA_QUALITY_RESULTS_AVAILABLE = 'Data Quality Evaluation Results Available';
export const DATA_QUALITY_SOURCE = 'aws.glue-dataquality';

const count = z.number().int().nonnegative();

/** `GLUE_DATA_CATALOG` runs name the table; `GLUE_JOB` runs name the job and its run (`jobId`). */
export const dataQualityContextSchema = z.looseObject({
  contextType: z.string(),
  runId: z.string().optional(),
  databaseName: z.string().optional(),
  tableName: z.string().optional(),
  catalogId: z.string().optional(),
  jobId: z.string().optional(),
  jobName: z.string().optional(),
  evaluationContext: z.string().optional(),
});

export const dataQualityResultsDetailSchema = z
  .object({
    context: dataQualityContextSchema,
    resultId: z.string().optional(),
    resultID: z.string().optional(),
    rulesetNames: z.array(z.string()),
    state: z.string(),
    score: z.number().min(0).max(1),
    numRulesSucceeded: count.optional(),
    numRulesFailed: count.optional(),
    numRulesSkipped: count.optional(),
    rulesSucceeded: count.optional(),
    rulesFailed: count.optional(),
    rulesSkipped: count.optional(),
  })
  .superRefine((d, ctx) => {
    const need: [string, string][] = [
      ['resultId', 'resultID'],
      ['numRulesSucceeded', 'rulesSucceeded'],
      ['numRulesFailed', 'rulesFailed'],
    ];
    const rec = d as Record<string, unknown>;
    for (const [live, doc] of need) {
      if (rec[live] === undefined && rec[doc] === undefined) {
        ctx.addIssue({ code: 'custom', path: [live], message: `one of ${live} or ${doc} is required` });
      }
    }
  });

export const dataQualityResultsEventSchema = envelopeSchema(
  DATA_QUALITY_SOURCE,
  DATA_QUALITY_RESULTS_AVAILABLE,
  dataQualityResultsDetailSchema,
);

export type DataQualityResultsDetail = z.infer<typeof dataQualityResultsDetailSchema>;
export type DataQualityResultsEvent = z.infer<typeof dataQualityResultsEventSchema>;

/** One spelling, whatever the event used; `jobName`/`jobRunId` set for Glue-job evaluations. */
export interface DataQualityResult {
  resultId: string;
  rulesetNames: string[];
  state: string;
  passed: boolean;
  score: number;
  rulesSucceeded: number;
  rulesFailed: number;
  rulesSkipped: number;
  contextType: string;
  jobName?: string;
  jobRunId?: string;
  databaseName?: string;
  tableName?: string;
}

export const normalizeDataQualityResult = (d: DataQualityResultsDetail): DataQualityResult => {
  const rulesFailed = d.numRulesFailed ?? d.rulesFailed ?? 0;
  return {
    resultId: d.resultId ?? d.resultID ?? '',
    rulesetNames: d.rulesetNames,
    state: d.state,
    passed: d.state === 'SUCCEEDED' && rulesFailed === 0,
    score: d.score,
    rulesSucceeded: d.numRulesSucceeded ?? d.rulesSucceeded ?? 0,
    rulesFailed,
    rulesSkipped: d.numRulesSkipped ?? d.rulesSkipped ?? 0,
    contextType: d.context.contextType,
    ...(d.context.jobName === undefined ? {} : { jobName: d.context.jobName }),
    ...(d.context.jobId === undefined ? {} : { jobRunId: d.context.jobId }),
    ...(d.context.databaseName === undefined ? {} : { databaseName: d.context.databaseName }),
    ...(d.context.tableName === undefined ? {} : { tableName: d.context.tableName }),
  };
};

/** The detail schema with the normalization applied: parse once, read one spelling. */
export const normalizedDataQualityResultsDetailSchema =
  dataQualityResultsDetailSchema.transform(normalizeDataQualityResult);

export interface DataQualityResultsInput {
  id: string;
  time: Date | string;
  resultId: string;
  rulesetNames: string[];
  state: 'SUCCEEDED' | 'FAILED';
  score: number;
  rulesSucceeded: number;
  rulesFailed: number;
  rulesSkipped?: number;
  /** The Glue job (and run) the rules were evaluated in. */
  jobName: string;
  jobRunId: string;
  evaluationContext?: string;
  account?: string;
  region?: string;
}

/** A results event as live Glue ETL evaluations send it (`resultId`, `numRules*`). */
export const buildDataQualityResultsEvent = (i: DataQualityResultsInput): DataQualityResultsEvent =>
  buildEnvelope(
    DATA_QUALITY_SOURCE,
    DATA_QUALITY_RESULTS_AVAILABLE,
    {
      context: {
        contextType: 'GLUE_JOB',
        jobId: i.jobRunId,
        jobName: i.jobName,
        evaluationContext: i.evaluationContext ?? '',
      },
      resultId: i.resultId,
      rulesetNames: i.rulesetNames,
      state: i.state,
      score: i.score,
      numRulesSucceeded: i.rulesSucceeded,
      numRulesFailed: i.rulesFailed,
      numRulesSkipped: i.rulesSkipped ?? 0,
    },
    { id: i.id, time: i.time, account: i.account, region: i.region },
  );
