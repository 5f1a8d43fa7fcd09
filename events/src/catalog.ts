/**
 * Every event in the catalog, AWS-native and pipeline: the list the JSON Schema
 * generator, the sample tests and the README table are made from.
 */
import { z } from 'zod';
import {
  DATA_QUALITY_RESULTS_AVAILABLE,
  DATA_QUALITY_SOURCE,
  dataQualityResultsDetailSchema,
  dataQualityResultsEventSchema,
} from './aws/data-quality-results.ts';
import {
  GLUE_JOB_STATE_CHANGE,
  GLUE_SOURCE,
  glueJobStateChangeDetailSchema,
  glueJobStateChangeEventSchema,
} from './aws/glue-job-state-change.ts';
import {
  S3_OBJECT_CREATED,
  S3_SOURCE,
  s3ObjectCreatedDetailSchema,
  s3ObjectCreatedEventSchema,
} from './aws/s3-object-created.ts';
import { pipelineDetailTypes, pipelineEvents } from './pipeline/registry.ts';

export interface CatalogEntry {
  detailType: string;
  source: string;
  /** `default` for AWS service events, `pipeline` for our own. */
  bus: 'default' | 'pipeline';
  detailSchema: z.ZodType;
  eventSchema: z.ZodType;
  /** File stem of `schemas/<name>.json` and `samples/<name>*.json`. */
  name: string;
}

/** `Glue Job State Change` -> `glue-job-state-change`. */
export const kebab = (detailType: string): string =>
  detailType
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const entry = (
  bus: CatalogEntry['bus'],
  detailType: string,
  source: string,
  detailSchema: z.ZodType,
  eventSchema: z.ZodType,
): CatalogEntry => ({ detailType, source, bus, detailSchema, eventSchema, name: kebab(detailType) });

export const eventCatalog: readonly CatalogEntry[] = [
  entry('default', S3_OBJECT_CREATED, S3_SOURCE, s3ObjectCreatedDetailSchema, s3ObjectCreatedEventSchema),
  entry(
    'default',
    GLUE_JOB_STATE_CHANGE,
    GLUE_SOURCE,
    glueJobStateChangeDetailSchema,
    glueJobStateChangeEventSchema,
  ),
  entry(
    'default',
    DATA_QUALITY_RESULTS_AVAILABLE,
    DATA_QUALITY_SOURCE,
    dataQualityResultsDetailSchema,
    dataQualityResultsEventSchema,
  ),
  ...pipelineDetailTypes.map((dt) => {
    const e = pipelineEvents[dt];
    return entry('pipeline', dt, e.source, e.detailSchema, e.eventSchema);
  }),
];

export const JSON_SCHEMA_ID_PREFIX = 'urn:ohlcv:event:';

/**
 * The JSON Schema of one event's envelope, as producers must write it (`io: 'input'`:
 * fields with defaults optional, unknown fields allowed so subscribers tolerate additions).
 */
export const jsonSchemaOf = (e: CatalogEntry): Record<string, unknown> => {
  const schema = z.toJSONSchema(e.eventSchema, { io: 'input', target: 'draft-2020-12' });
  const { $schema, ...rest } = schema as Record<string, unknown>;
  return {
    $schema,
    $id: `${JSON_SCHEMA_ID_PREFIX}${e.name}`,
    title: e.detailType,
    description: `EventBridge event "${e.detailType}" from ${e.source} on the ${e.bus} bus.`,
    ...rest,
  };
};

/** File text of `schemas/<name>.json`: stable, formatted, newline-terminated. */
export const jsonSchemaText = (e: CatalogEntry): string => `${JSON.stringify(jsonSchemaOf(e), null, 2)}\n`;

/**
 * The EventBridge schema registry takes JSON Schema draft 4 (or OpenAPI 3), not 2020-12: the
 * same zod schema rendered for draft 4 (`const` becomes a one-value `enum`, `id` not `$id`).
 * Only the pipeline bus's events go there; AWS's own are in the `aws.events` registry.
 */
export const REGISTRY_SCHEMA_TYPE = 'JSONSchemaDraft4';
export const registryEntries = (): CatalogEntry[] => eventCatalog.filter((e) => e.bus === 'pipeline');

export const registrySchemaOf = (e: CatalogEntry): Record<string, unknown> => {
  const schema = z.toJSONSchema(e.eventSchema, { io: 'input', target: 'draft-04' });
  const { $schema, ...rest } = schema as Record<string, unknown>;
  return {
    $schema,
    id: `${JSON_SCHEMA_ID_PREFIX}${e.name}`,
    title: e.detailType,
    description: `EventBridge event "${e.detailType}" from ${e.source} on the pipeline bus.`,
    ...rest,
  };
};

/** File text of `schemas/registry/<name>.json` (what infra uploads as the schema's content). */
export const registrySchemaText = (e: CatalogEntry): string =>
  `${JSON.stringify(registrySchemaOf(e), null, 2)}\n`;

/** `ohlcv.quality-alert` + `Alert Raised` -> `ohlcv.quality-alert@AlertRaised`, the registry's own naming. */
export const registrySchemaName = (e: CatalogEntry): string =>
  `${e.source}@${e.detailType.replace(/[^A-Za-z0-9]/g, '')}`;
