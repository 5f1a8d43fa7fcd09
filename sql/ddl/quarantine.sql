-- quarantine: Rejected raw rows with their reasons. Partitioned by the UTC date the raw object was written.
-- Partition columns are not repeated as data columns (Glue rejects duplicates); where the
-- Parquet files also carry one (bars.symbol), the partition value is what queries see.
-- The LOCATION placeholder is filled in at deploy with the table location, e.g. s3://<bucket>/quarantine/.
CREATE EXTERNAL TABLE IF NOT EXISTS ohlcv.quarantine (
  `raw_object`    string COMMENT 'Raw object key',
  `line_number`   bigint COMMENT '1-based line (CSV/NDJSON) or element index (JSON)',
  `reason_codes`  array<string> COMMENT 'Rule codes, e.g. price_not_positive',
  `raw_record`    string COMMENT 'The original record text',
  `symbol`        string COMMENT 'When it could be read',
  `job_run_id`    string COMMENT 'The run that quarantined it',
  `reason_detail` string COMMENT 'The fields behind missing_field, unknown_field, duplicate_field, e.g. "missing: symbol, ts; unknown: ticker, time"; null for other reasons and for rows written before it existed'
)
COMMENT 'Rejected raw rows with their reasons. Partitioned by the UTC date the raw object was written.'
PARTITIONED BY (
  `date` string COMMENT 'UTC date, YYYY-MM-DD'
)
STORED AS PARQUET
LOCATION '{{location}}'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY', 'classification' = 'parquet')
