/** ObjectStore on one S3 bucket. */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AppError, type Clock, type ObjectInfo, type ObjectStore, systemClock } from '@ohlcv/core';
import { awsErrorName, awsHttpStatus, isTransientAwsError } from './aws-errors.ts';

export interface S3ObjectStoreOptions {
  bucket: string;
  client?: S3Client;
  /** PutObject does not answer a LastModified; the store reports the clock's time instead. */
  clock?: Clock;
}

/** S3 quotes ETags (`"abc"`); S3 event notifications and our manifests do not. */
export const unquoteEtag = (etag: string | undefined): string => (etag ?? '').replace(/^"+|"+$/g, '');

const isMissing = (err: unknown): boolean => {
  const name = awsErrorName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || awsHttpStatus(err) === 404;
};

/**
 * S3 answers a GET/HEAD of a missing key with 403 (not 404) when the caller lacks
 * s3:ListBucket: a 403 is never taken for "missing", and the error says what to grant.
 */
const FORBIDDEN_HINT =
  'access denied: the role needs s3:GetObject on the key, and s3:ListBucket on its prefix for a missing key to answer 404 instead of 403';

const wrap = (op: string, key: string, err: unknown): AppError =>
  new AppError(
    awsHttpStatus(err) === 403 ? 'ObjectStoreAccessDenied' : 'ObjectStoreError',
    `S3 ${op} ${key} failed: ${awsErrorName(err) ?? String(err)}${
      awsHttpStatus(err) === 403 && (op === 'HeadObject' || op === 'GetObject') ? ` (${FORBIDDEN_HINT})` : ''
    }`,
    { retryable: isTransientAwsError(err), cause: err },
  );

export function s3ObjectStore(opts: S3ObjectStoreOptions): ObjectStore {
  const client = opts.client ?? new S3Client({});
  const clock = opts.clock ?? systemClock;
  const Bucket = opts.bucket;

  return {
    async put(key, body, putOpts): Promise<ObjectInfo> {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      try {
        const out = await client.send(
          new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentType: putOpts?.contentType }),
        );
        return { key, size: bytes.byteLength, etag: unquoteEtag(out.ETag), lastModified: clock.now() };
      } catch (err) {
        throw wrap('PutObject', key, err);
      }
    },

    async get(key): Promise<Uint8Array> {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!out.Body) return new Uint8Array();
        return await out.Body.transformToByteArray();
      } catch (err) {
        if (isMissing(err)) {
          throw new AppError('NoSuchKey', `no object s3://${Bucket}/${key}`, { cause: err });
        }
        throw wrap('GetObject', key, err);
      }
    },

    async head(key): Promise<ObjectInfo | undefined> {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return {
          key,
          size: out.ContentLength ?? 0,
          etag: unquoteEtag(out.ETag),
          lastModified: out.LastModified ?? clock.now(),
        };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw wrap('HeadObject', key, err);
      }
    },

    async *list(prefix): AsyncIterable<ObjectInfo> {
      let ContinuationToken: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
        } catch (err) {
          throw wrap('ListObjectsV2', prefix, err);
        }
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          yield {
            key: o.Key,
            size: o.Size ?? 0,
            etag: unquoteEtag(o.ETag),
            lastModified: o.LastModified ?? new Date(0),
          };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    // DeleteObjects: up to 1000 keys a call; S3 answers per-key errors in a 200 response.
    async delete(keys): Promise<void> {
      for (let i = 0; i < keys.length; i += DELETE_OBJECTS_LIMIT) {
        const chunk = keys.slice(i, i + DELETE_OBJECTS_LIMIT);
        let errors: { Key?: string; Code?: string; Message?: string }[];
        try {
          const out = await client.send(
            new DeleteObjectsCommand({
              Bucket,
              Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
            }),
          );
          errors = out.Errors ?? [];
        } catch (err) {
          throw wrap('DeleteObjects', chunk[0] ?? '', err);
        }
        if (errors.length > 0) {
          const first = errors[0];
          throw new AppError(
            first?.Code === 'AccessDenied' ? 'ObjectStoreAccessDenied' : 'ObjectStoreDeleteFailed',
            `S3 DeleteObjects: ${errors.length} of ${chunk.length} key(s) not deleted, first ${first?.Key}: ${first?.Code}: ${first?.Message}`,
            { retryable: errors.every((e) => e.Code === 'InternalError' || e.Code === 'SlowDown') },
          );
        }
      }
    },
  };
}

const DELETE_OBJECTS_LIMIT = 1000;
