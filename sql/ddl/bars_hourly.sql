-- bars_hourly: Intraday bars rolled up by UTC hour. Partitioned by date only: one file per day, not per symbol-hour.
-- Partition columns are not repeated as data columns (Glue rejects duplicates); where the
-- Parquet files also carry one (bars.symbol), the partition value is what queries see.
-- The LOCATION placeholder is filled in at deploy with the table location, e.g. s3://<bucket>/processed/bars_hourly/.
CREATE EXTERNAL TABLE IF NOT EXISTS ohlcv.bars_hourly (
  `symbol`           string COMMENT 'Ticker as the source spells it, e.g. AAPL, BTC/USD',
  `exchange`         string COMMENT 'Exchange name; \'\' when the source gives none',
  `mic_code`         string COMMENT 'ISO 10383 market identifier',
  `currency`         string COMMENT 'Quote currency',
  `instrument_type`  string COMMENT 'Common Stock, Digital Currency, Physical Currency, ...',
  `interval`         string COMMENT 'Interval of the bars rolled up',
  `ts`               timestamp COMMENT 'Hour start, UTC',
  `open`             double,
  `high`             double,
  `low`              double,
  `close`            double,
  `volume`           double,
  `vwap`             double,
  `bar_count`        bigint,
  `plan_version`     string COMMENT 'Plan version that rolled the row up; NULL = written before plan versions'
)
COMMENT 'Intraday bars rolled up by UTC hour. Partitioned by date only: one file per day, not per symbol-hour.'
PARTITIONED BY (
  `date` string COMMENT 'UTC date, YYYY-MM-DD'
)
STORED AS PARQUET
LOCATION '{{location}}'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY', 'classification' = 'parquet')
