import { describe, expect, it } from 'vitest';
import {
  escapePartitionValue,
  parsePartitionSegment,
  partitionPath,
  unescapePartitionValue,
} from '../src/hive-path.ts';
import {
  detectFormat,
  fieldOfKey,
  mapKeys,
  splitCsvLine,
  stageCsv,
  stageTwelveData,
} from '../src/stage-formats.ts';

describe('field names (the staging contract, every format)', () => {
  it('are trimmed, ASCII case-insensitive and aliased from plan.json fieldAliases', () => {
    expect(fieldOfKey('ts')).toBe('ts');
    expect(fieldOfKey(' Timestamp ')).toBe('ts');
    expect(fieldOfKey('DATETIME')).toBe('ts');
    expect(fieldOfKey('Symbol')).toBe('symbol');
    expect(fieldOfKey('time')).toBeUndefined();
    expect(fieldOfKey('İnterval')).toBeUndefined();
    expect(fieldOfKey('constructor')).toBeUndefined();
  });

  it('name the unknown keys as written and every spelling of a field given twice', () => {
    expect(mapKeys(['ticker', 'freq', 'time', 'o', 'h', 'l', 'c', 'v'])).toEqual({
      fields: Array(8).fill(undefined),
      unknownKeys: 'ticker, freq, time, o, h, l, c, v',
      duplicateKeys: null,
    });
    expect(mapKeys(['ts', 'symbol', ' timestamp', ''])).toEqual({
      fields: ['ts', 'symbol', 'ts', undefined],
      unknownKeys: '""',
      duplicateKeys: 'ts, timestamp',
    });
  });

  it('a CSV with both ts and timestamp keeps the first and says so', () => {
    const [row] = stageCsv('symbol,ts,timestamp\nA,1,2\n');
    expect(row).toMatchObject({ ts: '1', duplicate_keys: 'ts, timestamp', unknown_keys: null });
  });
});

describe('CSV reader', () => {
  it('maps header aliases case-insensitively, keeps 1-based physical line numbers', () => {
    const rows = stageCsv(
      '\uFEFFSymbol,INTERVAL,DateTime,open,high,low,close,volume,Exchange\r\n\r\nAAPL,1min,2024-01-02,1,2,0.5,1.5,,NASDAQ\r\n',
    );
    expect(rows).toEqual([
      {
        line_number: 3,
        raw_record: 'AAPL,1min,2024-01-02,1,2,0.5,1.5,,NASDAQ',
        stage_error: null,
        unknown_keys: null,
        duplicate_keys: null,
        symbol: 'AAPL',
        interval: '1min',
        ts: '2024-01-02',
        open: '1',
        high: '2',
        low: '0.5',
        close: '1.5',
        volume: null,
        exchange: 'NASDAQ',
      },
    ]);
  });

  it('flags unknown columns and rows with the wrong field count', () => {
    const rows = stageCsv(
      'symbol,interval,timestamp,open,high,low,close,volume,colour\nA,1min,x,1,1,1,1,1,red\nB,1min\n',
    );
    expect(rows[0]!.unknown_keys).toBe('colour');
    expect(rows[1]).toMatchObject({ line_number: 3, stage_error: 'unparseable_line' });
  });

  it('splits quoted fields', () => {
    expect(splitCsvLine('"a,b","say ""hi""",c')).toEqual(['a,b', 'say "hi"', 'c']);
    expect(splitCsvLine('"open')).toBeUndefined();
  });
});

describe('Twelve Data reader', () => {
  const series = (symbol: string, interval: string, datetime: string) => ({
    meta: {
      symbol,
      interval,
      currency: 'USD',
      exchange_timezone: 'America/New_York',
      exchange: 'NYSE',
      type: 'Common Stock',
    },
    values: [{ datetime, open: '1', high: '2', low: '0.5', close: '1.5', volume: '10' }],
    status: 'ok',
  });

  it('reads a single response with its exchange zone for intraday bars', () => {
    const [r] = stageTwelveData(JSON.stringify(series('IBM', '1min', '2024-07-02 09:30:00')));
    expect(r).toMatchObject({
      line_number: 1,
      symbol: 'IBM',
      ts: '2024-07-02 09:30:00',
      tz: 'America/New_York',
      source: 'twelvedata',
    });
  });

  it('reads a batch keyed by requested symbol; daily bars are dates without a zone', () => {
    const rows = stageTwelveData(
      JSON.stringify({
        'EUR/USD': {
          ...series('EUR/USD', '1day', '2024-07-02'),
          meta: { symbol: 'EUR/USD', interval: '1day' },
        },
        AAPL: { status: 'error', code: 400 },
      }),
    );
    expect(rows[0]).toMatchObject({
      line_number: 1,
      symbol: 'EUR/USD',
      currency: 'USD',
      ts: '2024-07-02',
      tz: null,
      exchange: '',
    });
    expect(rows[1]).toMatchObject({ line_number: 2, stage_error: 'unparseable_line' });
  });

  it('detects formats by key and content', () => {
    expect(detectFormat('raw/x.csv.gz', '')).toBe('csv');
    expect(detectFormat('raw/x.json', '{"values": []}')).toBe('twelvedata-json');
    expect(detectFormat('raw/x.json', '{"a":1}\n{"a":2}')).toBe('ndjson');
    expect(detectFormat('raw/x.ndjson', '{}')).toBe('ndjson');
  });
});

describe('Hive partition paths', () => {
  it('escapes like Hive and round-trips', () => {
    expect(escapePartitionValue('BTC/USD')).toBe('BTC%2FUSD');
    expect(escapePartitionValue('A=B:C%')).toBe('A%3DB%3AC%25');
    expect(partitionPath(['date', 'symbol'], { date: '2024-01-02', symbol: 'BTC/USD' })).toBe(
      'date=2024-01-02/symbol=BTC%2FUSD',
    );
    for (const v of ['BTC/USD', 'a%2Fb', 'x=y', 'ü', 'SPX:IND']) {
      expect(unescapePartitionValue(escapePartitionValue(v))).toBe(v);
    }
    expect(parsePartitionSegment('symbol=BTC%2FUSD')).toEqual({ key: 'symbol', value: 'BTC/USD' });
    expect(() => partitionPath(['date'], {})).toThrow();
  });
});
