import { describe, expect, it } from 'vitest';
import { type BusEnvelope, LocalEventBus, type PutEventsRequestEntry } from './event-bus.ts';

const fixedClock = { now: () => new Date('2024-05-06T07:08:09.123Z') };
const counterIds = () => {
  let n = 0;
  return { next: () => `evt-${++n}` };
};

const newBus = (opts: ConstructorParameters<typeof LocalEventBus>[0] = {}) =>
  new LocalEventBus({ name: 'pipeline', clock: fixedClock, ids: counterIds(), ...opts });

const entry = (over: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'ohlcv.ingestion',
  DetailType: 'Ingestion Batch Completed',
  Detail: JSON.stringify({ symbol: 'AAPL', rows: 10 }),
  ...over,
});

describe('LocalEventBus.putEvents', () => {
  it('builds the AWS envelope and delivers it to every matching rule before resolving', async () => {
    const bus = newBus({ account: '111122223333', region: 'eu-west-1' });
    const seen: Record<string, BusEnvelope[]> = { all: [], aapl: [], msft: [] };
    bus.addRule({
      name: 'all',
      pattern: { source: [{ prefix: 'ohlcv.' }] },
      target: (e) => void seen.all?.push(e),
    });
    bus.addRule({
      name: 'aapl',
      pattern: { detail: { symbol: ['AAPL'] } },
      target: async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        seen.aapl?.push(e);
      },
    });
    bus.addRule({
      name: 'msft',
      pattern: { detail: { symbol: ['MSFT'] } },
      target: (e) => void seen.msft?.push(e),
    });

    const result = await bus.putEvents([entry({ Resources: ['arn:x'] })]);

    expect(result).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
    expect(seen.aapl).toHaveLength(1);
    expect(seen.msft).toHaveLength(0);
    expect(seen.all?.[0]).toEqual({
      version: '0',
      id: 'evt-1',
      'detail-type': 'Ingestion Batch Completed',
      source: 'ohlcv.ingestion',
      account: '111122223333',
      time: '2024-05-06T07:08:09Z',
      region: 'eu-west-1',
      resources: ['arn:x'],
      detail: { symbol: 'AAPL', rows: 10 },
    });
  });

  it('reports failures per entry and still delivers the good ones', async () => {
    const bus = newBus();
    const delivered: string[] = [];
    bus.addRule({
      name: 'r',
      pattern: { source: [{ exists: true }] },
      target: (e) => void delivered.push(e.id),
    });

    const perEntry = await bus.putEvents([
      entry(),
      entry({ Source: undefined }),
      entry({ DetailType: '' }),
      entry({ Detail: undefined }),
      entry({ Detail: '{not json' }),
      entry({ Detail: '[1,2]' }),
      entry({ Source: 'aws.s3' }),
      entry({ EventBusName: 'nope' }),
      entry({ Detail: JSON.stringify({ big: 'x'.repeat(256 * 1024) }) }),
      entry({ EventBusName: bus.arn, Time: '2020-01-01T00:00:00Z' }),
    ]);
    expect(perEntry.FailedEntryCount).toBe(8);
    expect(perEntry.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual([
      'ok',
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'NotAuthorizedForSourceException',
      'ResourceNotFoundException',
      'EntrySizeExceeded',
      'ok',
    ]);
    expect(perEntry.Entries[1]).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    });
    expect(delivered).toEqual(['evt-1', 'evt-2']);
  });

  it('rejects a request whose entries together exceed 256 KB', async () => {
    const bus = newBus();
    const half = JSON.stringify({ pad: 'x'.repeat(140 * 1024) });
    await expect(bus.putEvents([entry({ Detail: half }), entry({ Detail: half })])).rejects.toMatchObject({
      code: 'ValidationException',
    });
    const { putEventsEntrySize } = await import('./event-bus.ts');
    expect(
      putEventsEntrySize({ Source: 'ab', DetailType: 'c', Detail: '{}', Resources: ['é'], Time: 'x' }),
    ).toBe(14 + 2 + 1 + 2 + 2);
  });

  it('rejects a call with 0 or more than 10 entries', async () => {
    const bus = newBus();
    await expect(bus.putEvents([])).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(bus.putEvents(Array.from({ length: 11 }, () => entry()))).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining('less than or equal to 10'),
    });
  });

  it('marks an entry failed when a target throws, after trying every target', async () => {
    const bus = newBus();
    const ok: string[] = [];
    bus.addRule({
      name: 'broken',
      pattern: { source: ['ohlcv.ingestion'] },
      target: () => {
        throw new Error('disk full');
      },
    });
    bus.addRule({
      name: 'fine',
      pattern: { source: ['ohlcv.ingestion'] },
      target: (e) => void ok.push(e.id),
    });
    const result = await bus.putEvents([entry()]);
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries[0]).toEqual({
      ErrorCode: 'InternalFailure',
      ErrorMessage: 'Delivery failed: disk full',
    });
    expect(ok).toEqual(['evt-1']);
  });

  it('calls onEvent for every accepted event, before the targets', async () => {
    const order: string[] = [];
    const bus = newBus({ onEvent: (e) => void order.push(`log:${e.id}`) });
    bus.addRule({
      name: 'r',
      pattern: { source: ['ohlcv.ingestion'] },
      target: (e) => void order.push(`t:${e.id}`),
    });
    await bus.putEvents([entry(), entry({ Source: '' }), entry({ Source: 'ohlcv.other' })]);
    expect(order).toEqual(['log:evt-1', 't:evt-1', 'log:evt-2']);
  });
});

describe('LocalEventBus rules and putEnvelope', () => {
  const s3Envelope: BusEnvelope = {
    version: '0',
    id: 'aws-1',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: '2024-05-06T07:08:09Z',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::lake'],
    detail: { bucket: { name: 'lake' }, object: { key: 'raw/source=td/date=2024-05-06/a.ndjson', size: 10 } },
  };

  it('routes an AWS-native envelope unchanged (aws.* sources are allowed here)', async () => {
    const bus = newBus({ name: 'default' });
    const got: BusEnvelope[] = [];
    bus.addRule({
      name: 'raw-objects',
      pattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { object: { key: [{ prefix: 'raw/' }] } },
      },
      target: (e) => void got.push(e),
    });
    const { matchedRules } = await bus.putEnvelope(s3Envelope);
    expect(matchedRules).toEqual(['raw-objects']);
    expect(got).toEqual([s3Envelope]);
  });

  it('rejects an envelope without the EventBridge fields', async () => {
    const bus = newBus();
    const { id: _id, ...noId } = s3Envelope;
    await expect(bus.putEnvelope(noId as unknown as BusEnvelope)).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining('missing id'),
    });
  });

  it('refuses invalid patterns and duplicate rule names', () => {
    const bus = newBus();
    expect(() => bus.addRule({ name: 'bad', pattern: { source: 'x' }, target: () => {} })).toThrow(
      expect.objectContaining({ code: 'InvalidEventPatternException' }),
    );
    bus.addRule({ name: 'r', pattern: { source: ['x'] }, target: () => {} });
    expect(() => bus.addRule({ name: 'r', pattern: { source: ['y'] }, target: () => {} })).toThrow(
      expect.objectContaining({ code: 'ResourceAlreadyExistsException' }),
    );
    expect(bus.ruleNames()).toEqual(['r']);
    expect(bus.removeRule('r')).toBe(true);
    expect(bus.matchingRules({ source: 'x' })).toEqual([]);
  });

  it('routes 5,000 events through 8 rules, each to the one rule it matches', async () => {
    const bus = newBus();
    let delivered = 0;
    for (let i = 0; i < 8; i++) {
      bus.addRule({
        name: `r${i}`,
        pattern: {
          source: [`ohlcv.s${i}`],
          detail: { symbol: [{ prefix: 'A' }], rows: [{ numeric: ['>', 0] }] },
        },
        target: () => {
          delivered++;
        },
      });
    }
    const batch = Array.from({ length: 10 }, (_, i) => entry({ Source: `ohlcv.s${i % 8}` }));
    for (let i = 0; i < 500; i++) await bus.putEvents(batch);
    // Its rate is measured by `pnpm bench` (ratios in one sitting), not by a timed test.
    expect(delivered).toBe(5000);
  });
});
