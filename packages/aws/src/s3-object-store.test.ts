import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describeObjectStoreContract } from '@ohlcv/core/contracts/index';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { s3ObjectStore } from './s3-object-store.ts';
import { s3Error } from './testing/s3-errors.ts';

/** A tiny in-memory S3 behind the mocked client: quoted ETags, 1000-key pages, byte-order keys. */
function fakeS3(pageSize = 1000) {
  const objects = new Map<string, { body: Uint8Array; etag: string; lastModified: Date }>();
  const mock = mockClient(S3Client);
  mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array }) => {
    const body = new Uint8Array(input.Body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    objects.set(input.Key, { body, etag, lastModified: new Date() });
    return { ETag: etag };
  });
  mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const o = objects.get(input.Key);
    if (!o) throw s3Error('NoSuchKey');
    return { Body: { transformToByteArray: async () => o.body }, ETag: o.etag };
  });
  mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    const o = objects.get(input.Key);
    if (!o) throw s3Error('NotFound');
    return { ContentLength: o.body.byteLength, ETag: o.etag, LastModified: o.lastModified };
  });
  mock.on(ListObjectsV2Command).callsFake((input: { Prefix: string; ContinuationToken?: string }) => {
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix)).sort();
    const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
    const page = keys.slice(start, start + pageSize);
    const more = start + pageSize < keys.length;
    return {
      Contents: page.map((k) => {
        const o = objects.get(k)!;
        return { Key: k, Size: o.body.byteLength, ETag: o.etag, LastModified: o.lastModified };
      }),
      IsTruncated: more,
      NextContinuationToken: more ? String(start + pageSize) : undefined,
    };
  });
  return { mock, objects };
}

describeObjectStoreContract('s3ObjectStore (mocked S3)', () => {
  const { mock } = fakeS3();
  return {
    store: s3ObjectStore({ bucket: 'lake', client: new S3Client({ region: 'us-east-1' }) }),
    cleanup: () => mock.restore(),
  };
});

describe('s3ObjectStore', () => {
  it('sends bucket, key and content type, and pages with the continuation token', async () => {
    const { mock } = fakeS3(2);
    const store = s3ObjectStore({ bucket: 'lake', client: new S3Client({ region: 'us-east-1' }) });
    for (const k of ['raw/1', 'raw/2', 'raw/3', 'raw/4', 'raw/5'])
      await store.put(k, k, { contentType: 'text/plain' });
    const keys: string[] = [];
    for await (const o of store.list('raw/')) keys.push(o.key);
    expect(keys).toEqual(['raw/1', 'raw/2', 'raw/3', 'raw/4', 'raw/5']);
    const lists = mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(lists.map((i) => i.ContinuationToken)).toEqual([undefined, '2', '4']);
    expect(lists.every((i) => i.Bucket === 'lake' && i.Prefix === 'raw/')).toBe(true);
    const put = mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'lake', Key: 'raw/1', ContentType: 'text/plain' });
    mock.restore();
  });

  it('wraps other S3 failures in a retryable ObjectStoreError for throttling', async () => {
    const mock = mockClient(S3Client);
    mock.on(GetObjectCommand).rejects(s3Error('SlowDown', 503, 'slow'));
    const store = s3ObjectStore({ bucket: 'lake', client: new S3Client({ region: 'us-east-1' }) });
    await expect(store.get('raw/x')).rejects.toMatchObject({ code: 'ObjectStoreError', retryable: true });
    mock.restore();
  });

  it('never takes a 403 for "missing": S3 answers one for a missing key without s3:ListBucket', async () => {
    // What real S3 sends for HEAD/GET of a missing key when the role lacks ListBucket
    // (moto answers 404 there, so only this test pins the case).
    const mock = mockClient(S3Client);
    mock.on(HeadObjectCommand).rejects(s3Error('Forbidden', 403, 'Forbidden'));
    mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    const store = s3ObjectStore({ bucket: 'lake', client: new S3Client({ region: 'us-east-1' }) });
    for (const call of [
      () => store.head('_manifests/m-1.run.json'),
      () => store.get('_state/ingestion/A.1min.json'),
    ]) {
      await expect(call()).rejects.toMatchObject({
        code: 'ObjectStoreAccessDenied',
        retryable: false,
        message: expect.stringMatching(/s3:ListBucket on its prefix/),
      });
    }
    mock.restore();
  });
});
