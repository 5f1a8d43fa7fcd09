import { describe, expect, it } from 'vitest';
import { etlEngineFromEnv } from './etl-engine.ts';

describe('OHLCV_ETL_ENGINE / SPARK_MASTER', () => {
  it('defaults to DuckDB, and Spark at local[*]', () => {
    expect(etlEngineFromEnv({})).toEqual({ engine: 'duckdb', sparkMaster: 'local[*]' });
    expect(etlEngineFromEnv({ OHLCV_ETL_ENGINE: 'Spark ' })).toEqual({
      engine: 'spark',
      sparkMaster: 'local[*]',
    });
  });

  it('points Spark at SPARK_MASTER', () => {
    expect(etlEngineFromEnv({ OHLCV_ETL_ENGINE: 'spark', SPARK_MASTER: 'spark://10.0.0.5:7077' })).toEqual({
      engine: 'spark',
      sparkMaster: 'spark://10.0.0.5:7077',
    });
  });

  it('passes OHLCV_SPARK_JAVA_OPTIONS to the Spark driver JVM, and nothing when it is blank', () => {
    expect(
      etlEngineFromEnv({ OHLCV_ETL_ENGINE: 'spark', OHLCV_SPARK_JAVA_OPTIONS: ' -XX:+UseParallelGC ' }),
    ).toStrictEqual({ engine: 'spark', sparkMaster: 'local[*]', sparkJavaOptions: '-XX:+UseParallelGC' });
    expect(etlEngineFromEnv({ OHLCV_ETL_ENGINE: 'spark', OHLCV_SPARK_JAVA_OPTIONS: ' ' })).toStrictEqual({
      engine: 'spark',
      sparkMaster: 'local[*]',
    });
  });

  it('rejects another engine, naming the variable', () => {
    expect(() => etlEngineFromEnv({ OHLCV_ETL_ENGINE: 'trino' })).toThrow(
      /OHLCV_ETL_ENGINE must be duckdb or spark/,
    );
  });
});
