/**
 * S3 `Object Created` (source `aws.s3`), as S3 sends it to EventBridge when the bucket
 * has EventBridge notifications on. The local object store emits the same JSON.
 */
import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { z } from 'zod';
import { buildEnvelope, envelopeSchema, LOCAL_ACCOUNT } from '../envelope.ts';

export const S3_OBJECT_CREATED = 'Object Created';
export const S3_SOURCE = 'aws.s3';

const s3Detail = S3EventNotificationEventBridgeSchema.shape.detail;

/**
 * Powertools' S3 detail schema (AWS's field names: `request-id`, `version-id`, ...),
 * narrowed to `Object Created`: size, etag and sequencer are always there (Powertools
 * makes them optional for deletes). `source-ip-address` is the requester's IPv4/IPv6
 * address for a client's write, but a service principal's name (e.g. `glue.amazonaws.com`)
 * or `AWS Internal` for a write an AWS service made on its own behalf: any non-empty text.
 */
export const s3ObjectCreatedDetailSchema = s3Detail.extend({
  object: s3Detail.shape.object.extend({
    size: z.number().int().nonnegative(),
    etag: z.string(),
    sequencer: z.string(),
  }),
  'source-ip-address': z.string().min(1).optional(),
});
export const s3ObjectCreatedEventSchema = envelopeSchema(
  S3_SOURCE,
  S3_OBJECT_CREATED,
  s3ObjectCreatedDetailSchema,
);

export type S3ObjectCreatedDetail = z.infer<typeof s3ObjectCreatedDetailSchema>;
export type S3ObjectCreatedEvent = z.infer<typeof s3ObjectCreatedEventSchema>;

export interface S3ObjectCreatedInput {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** Orders events for one key: a later write has a greater sequencer (hex, same length). */
  sequencer: string;
  time: Date | string;
  id: string;
  account?: string;
  region?: string;
  requestId?: string;
  /** `PutObject`, `CopyObject`, `CompleteMultipartUpload`, ... */
  reason?: string;
  versionId?: string;
  sourceIpAddress?: string;
}

/** An `Object Created` event in AWS's exact shape and key order. */
export const buildS3ObjectCreatedEvent = (i: S3ObjectCreatedInput): S3ObjectCreatedEvent => {
  const account = i.account ?? LOCAL_ACCOUNT;
  return buildEnvelope(
    S3_SOURCE,
    S3_OBJECT_CREATED,
    {
      version: '0',
      bucket: { name: i.bucket },
      object: {
        key: i.key,
        size: i.size,
        etag: i.etag,
        ...(i.versionId === undefined ? {} : { 'version-id': i.versionId }),
        sequencer: i.sequencer,
      },
      'request-id': i.requestId ?? requestIdFrom(i.id),
      requester: account,
      'source-ip-address': i.sourceIpAddress ?? '127.0.0.1',
      reason: i.reason ?? 'PutObject',
    },
    { id: i.id, time: i.time, account, region: i.region, resources: [`arn:aws:s3:::${i.bucket}`] },
  );
};

/** S3 request ids are 16 upper-case alphanumerics; derive one deterministically from the event id. */
const requestIdFrom = (id: string): string => {
  const s = id.replace(/[^0-9a-z]/gi, '').toUpperCase();
  return (s + '0'.repeat(16)).slice(0, 16);
};
