/**
 * The version of a partition location, as the ETL job names its version folders
 * (docs/atomic-publish.md): `processed/bars/date=2024-03-08/symbol=AAPL/_v0000000007-jr_<id>/`
 * is version 7 of that partition. A location without a version folder (the previous
 * release's layout: files directly in the partition folder) is version 0, the oldest.
 * The catalogs switch a partition only forward, by this number, never by arrival order.
 */
export const PARTITION_VERSION_PREFIX = '_v';

const VERSIONED = /\/_v(\d+)-([^/]+)\/?$/;

export function partitionVersionOf(location: string): number {
  const m = VERSIONED.exec(location);
  return m ? Number(m[1]) : 0;
}

/** True when the location is a version folder (not a partition folder of the old layout). */
export const isVersionLocation = (location: string): boolean => VERSIONED.test(location);
