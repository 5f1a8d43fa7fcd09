/**
 * S3 `Object Created` events for raw/, in AWS's documented shape. moto's own S3→EventBridge
 * events are kept out (they say `eTag`, a numeric `time` and reason `ObjectCreated`, and go
 * to every rule of every bus); instead the harness lists raw/ and announces each object it
 * has not seen, so an object put with the AWS CLI (`aws s3 cp`) is picked up too.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { buildS3ObjectCreatedEvent, S3_OBJECT_CREATED, S3_SOURCE } from '@ohlcv/events';
import type { AwsClients } from './clients.ts';

export class RawAnnouncer {
  private readonly seen = new Set<string>();
  private sequence = 0;
  announced = 0;

  constructor(
    private readonly admin: AwsClients,
    private readonly bucket: string,
    private readonly account: string,
    private readonly region: string,
  ) {}

  async step(): Promise<number> {
    let token: string | undefined;
    const fresh: { key: string; size: number; etag: string; versionId?: string }[] = [];
    do {
      const page = await this.admin.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: 'raw/', ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        const etag = (o.ETag ?? '').replace(/"/g, '');
        const id = `${o.Key}@${etag}`;
        if (!o.Key || this.seen.has(id)) continue;
        this.seen.add(id);
        fresh.push({ key: o.Key, size: o.Size ?? 0, etag });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    for (let i = 0; i < fresh.length; i += 10) {
      const entries = fresh.slice(i, i + 10).map((o) => {
        this.sequence += 1;
        const event = buildS3ObjectCreatedEvent({
          bucket: this.bucket,
          key: o.key,
          size: o.size,
          etag: o.etag,
          sequencer: this.sequence.toString(16).toUpperCase().padStart(18, '0'),
          time: new Date(),
          id: `rehearsal-${this.sequence}`,
          account: this.account,
          region: this.region,
          reason: 'PutObject',
        });
        return {
          Source: S3_SOURCE,
          DetailType: S3_OBJECT_CREATED,
          Detail: JSON.stringify(event.detail),
          Resources: event.resources,
          EventBusName: 'default',
        };
      });
      const out = await this.admin.events.send(new PutEventsCommand({ Entries: entries }));
      if (out.FailedEntryCount)
        throw new Error(`PutEvents of Object Created failed: ${JSON.stringify(out.Entries)}`);
    }
    this.announced += fresh.length;
    return fresh.length;
  }
}
