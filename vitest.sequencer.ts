import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first, by tier: a Spark suite runs minutes, a stage/e2e/browser suite tens of seconds. */
const tierWeight = (file: string): number =>
  /\.spark\.test\.ts$/.test(file) ? 0 : /\.(stage|e2e|browser)\.test\.ts$/.test(file) ? 1 : 2;

/**
 * Vitest's order, with the long tiers first within each project. Without a results cache
 * (a fresh clone, CI) vitest orders by file size, which put publish-turns.spark (four
 * minutes, a small file) behind a hundred others: it started last and ran alone at the
 * end while the other fork idled. The longest jobs first on two forks is the classic
 * schedule that keeps both busy to the end. With a cache vitest's own order (failed
 * first, then longest) is kept within each tier.
 */
export class LongTiersFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const projectRank = new Map<string, number>();
    for (const f of sorted)
      if (!projectRank.has(f.project.name)) projectRank.set(f.project.name, projectRank.size);
    const at = new Map(sorted.map((f, i) => [f, i]));
    return [...sorted].sort(
      (a, b) =>
        projectRank.get(a.project.name)! - projectRank.get(b.project.name)! ||
        tierWeight(a.moduleId) - tierWeight(b.moduleId) ||
        at.get(a)! - at.get(b)!,
    );
  }
}
