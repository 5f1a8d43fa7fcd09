-- bars: Clean bars, one per instrument, interval and timestamp.
-- Partition columns are not repeated as data columns (Glue rejects duplicates); where the
-- Parquet files also carry one (bars.symbol), the partition value is what queries see.
-- The LOCATION placeholder is filled in at deploy with the table location, e.g. s3://<bucket>/processed/bars/.
CREATE EXTERNAL TABLE IF NOT EXISTS ohlcv.bars (
  `exchange`         string COMMENT 'Exchange name; \'\' when the source gives none',
  `mic_code`         string COMMENT 'ISO 10383 market identifier',
  `currency`         string COMMENT 'Quote currency',
  `instrument_type`  string COMMENT 'Common Stock, Digital Currency, Physical Currency, ...',
  `interval`         string COMMENT 'Bar interval: 1min, 5min, 1h, 1day, ...',
  `ts`               timestamp COMMENT 'Bar open time, UTC',
  `open`             double,
  `high`             double,
  `low`              double,
  `close`            double,
  `volume`           double COMMENT 'Null where the source has none (forex)',
  `pct_change`       double COMMENT 'close / previous bar\'s close - 1; null for the first bar',
  `vwap`             double COMMENT 'Session VWAP per UTC date; null where volume is null or zero',
  `source`           string COMMENT 'twelvedata, file, ...',
  `ingested_at`      timestamp COMMENT 'When the winning revision was ingested',
  `raw_object`       string COMMENT 'Raw object key the row came from (lineage)',
  `plan_version`     string COMMENT 'Plan version that validated the row; NULL = written before plan versions'
)
COMMENT 'Clean bars, one per instrument, interval and timestamp.'
PARTITIONED BY (
  `date` string COMMENT 'UTC date, YYYY-MM-DD',
  `symbol` string COMMENT 'Ticker as the source spells it, e.g. AAPL, BTC/USD'
)
STORED AS PARQUET
LOCATION '{{location}}'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY', 'classification' = 'parquet')
