/**
 * The Catalog contract: registering partitions is idempotent (a known partition counts as
 * `existing`, never an error), an undeclared table is `UnknownTable` and a partition without
 * the table's key values is `InvalidPartition` — both not retryable, whichever catalog
 * (Glue on a mocked client, the local one on SQLite, the in-memory fake) answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import type { Catalog, PartitionSpec } from '../ports.ts';

export interface CatalogFixture {
  catalog: Catalog;
  cleanup?: () => Promise<void> | void;
}

/** Partitions of the declared `bars` table (keys date, symbol), as the ETL's run summary lists them. */
const bars = (date: string, symbol: string, escaped = symbol): PartitionSpec => ({
  values: { symbol, date },
  location: `processed/bars/date=${date}/symbol=${escaped}/`,
});

export function describeCatalogContract(
  name: string,
  makeCatalog: () => Promise<CatalogFixture> | CatalogFixture,
): void {
  describe(`Catalog contract: ${name}`, () => {
    let fixture: CatalogFixture | undefined;
    const open = async (): Promise<CatalogFixture> => {
      fixture = await makeCatalog();
      return fixture;
    };
    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it('adds new partitions, counts known ones as existing, again and again', async () => {
      const { catalog } = await open();
      const a = bars('2024-01-02', 'AAPL');
      const b = bars('2024-01-02', 'BTC/USD', 'BTC%2FUSD');
      // Counts only: a catalog may say more (Glue: switched, superseded).
      expect(await catalog.registerPartitions('bars', [a])).toMatchObject({ added: 1, existing: 0 });
      expect(await catalog.registerPartitions('bars', [a, b])).toMatchObject({ added: 1, existing: 1 });
      expect(await catalog.registerPartitions('bars', [b, a])).toMatchObject({ added: 0, existing: 2 });
      expect(await catalog.registerPartitions('bars', [])).toMatchObject({ added: 0, existing: 0 });
    });

    it('rejects an undeclared table with UnknownTable, not retryable', async () => {
      const { catalog } = await open();
      const err = await catalog
        .registerPartitions('no_such_table', [bars('2024-01-02', 'AAPL')])
        .catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('UnknownTable');
      expect(isAppError(err) && err.retryable).toBe(false);
    });

    it('rejects a partition without the table’s key values with InvalidPartition, not retryable', async () => {
      const { catalog } = await open();
      const err = await catalog
        .registerPartitions('bars', [
          { values: { date: '2024-01-02' }, location: 'processed/bars/date=2024-01-02/' },
        ])
        .catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('InvalidPartition');
      expect(isAppError(err) && err.retryable).toBe(false);
    });
  });
}
