/** quality-alert evaluated the data quality results of a run. */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { countSchema, pipelineDetail, sources } from './common.ts';

export const QUALITY_EVALUATED = 'Quality Evaluated';
export const QUALITY_EVALUATED_SOURCE = sources.qualityAlert;

export const qualityEvaluatedDetailSchema = pipelineDetail({
  jobRunId: z.string().min(1).optional(),
  /** Rules evaluated by our ETL (run summary) or by Glue Data Quality. */
  origin: z.enum(['etl-summary', 'glue-dataquality']),
  score: z.number().min(0).max(1),
  rulesPassed: countSchema,
  rulesFailed: countSchema,
  failedRules: z.array(z.object({ rule: z.string().min(1), message: z.string() })),
});
export const qualityEvaluatedEventSchema = envelopeSchema(
  QUALITY_EVALUATED_SOURCE,
  QUALITY_EVALUATED,
  qualityEvaluatedDetailSchema,
);

export type QualityEvaluatedDetail = z.infer<typeof qualityEvaluatedDetailSchema>;
export type QualityEvaluatedEvent = z.infer<typeof qualityEvaluatedEventSchema>;
