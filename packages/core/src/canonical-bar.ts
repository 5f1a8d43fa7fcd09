/**
 * The canonical raw bar (DESIGN.md "Data contracts"): the fields ingestion writes to
 * raw/ as NDJSON and the ETL job reads. The order is part of the contract: the ETL's
 * staging takes a fast path for lines whose keys come exactly in this order.
 */
export const canonicalBarFields = [
  'symbol',
  'exchange',
  'mic_code',
  'currency',
  'instrument_type',
  'interval',
  'ts',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'source',
  'ingested_at',
] as const;
export type CanonicalBarField = (typeof canonicalBarFields)[number];
