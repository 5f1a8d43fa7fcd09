/** The four events quality-alert consumes, told apart by source and detail-type, each parsed by its schema. */
import {
  type DataQualityResultsEvent,
  dataQualityResultsEventSchema,
  type EtlRunCompletedEvent,
  etlRunCompletedEventSchema,
  type GlueJobStateChangeEvent,
  glueJobStateChangeEventSchema,
  type IngestionBatchFailedEvent,
  ingestionBatchFailedEventSchema,
  type ParseResult,
  parseEnvelope,
} from '@ohlcv/events';

export type Inbound =
  | { kind: 'glue-job-state-change'; event: GlueJobStateChangeEvent }
  | { kind: 'data-quality-results'; event: DataQualityResultsEvent }
  | { kind: 'ingestion-batch-failed'; event: IngestionBatchFailedEvent }
  | { kind: 'etl-run-completed'; event: EtlRunCompletedEvent };

const route = (body: string, source: unknown, detailType: unknown): ParseResult<Inbound> => {
  const key = `${String(source)}|${String(detailType)}`;
  switch (key) {
    case 'aws.glue|Glue Job State Change': {
      const r = parseEnvelope(body, glueJobStateChangeEventSchema);
      return r.success ? { success: true, data: { kind: 'glue-job-state-change', event: r.data } } : r;
    }
    case 'aws.glue-dataquality|Data Quality Evaluation Results Available': {
      const r = parseEnvelope(body, dataQualityResultsEventSchema);
      return r.success ? { success: true, data: { kind: 'data-quality-results', event: r.data } } : r;
    }
    case 'ohlcv.ingestion|Ingestion Batch Failed': {
      const r = parseEnvelope(body, ingestionBatchFailedEventSchema);
      return r.success ? { success: true, data: { kind: 'ingestion-batch-failed', event: r.data } } : r;
    }
    case 'ohlcv.catalog-sync|ETL Run Completed': {
      const r = parseEnvelope(body, etlRunCompletedEventSchema);
      return r.success ? { success: true, data: { kind: 'etl-run-completed', event: r.data } } : r;
    }
    default:
      return {
        success: false,
        error: `unexpected event: source ${String(source)}, detail-type ${String(detailType)}`,
      };
  }
};

/** Never throws: a bad record is a failed parse, so it fails alone. */
export function parseInbound(body: string): ParseResult<Inbound> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return { success: false, error: `body is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (typeof value !== 'object' || value === null) return { success: false, error: 'body is not an object' };
  const v = value as Record<string, unknown>;
  return route(body, v.source, v['detail-type']);
}
