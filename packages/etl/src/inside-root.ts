/**
 * Every write under a data folder goes through here first: the target's real path (each
 * symlink on the way resolved, also in the part that does not exist yet — it is created
 * under the deepest existing folder, which is resolved) must stay under the root's real
 * path. A symlinked prefix such as `lake/raw/dirlink -> /outside` is refused, not followed.
 *
 * The root itself may be a symlink (a data folder on another disk): the boundary is where
 * it really is. This checks before the write; a symlink swapped in between the check and
 * the write (by someone who can already write into the folder) is outside its reach.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from '@ohlcv/core';

export const PATH_OUTSIDE_ROOT = 'PathOutsideRoot';

/** The real path `target` would be written at; throws PathOutsideRoot if that is not under `root`. */
export function realPathInside(root: string, target: string): string {
  const realRoot = realOfNearest(resolve(root));
  const real = realOfNearest(resolve(target));
  const rel = relative(realRoot, real);
  const outside = rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  if (!outside) return real;
  throw new AppError(
    PATH_OUTSIDE_ROOT,
    `refusing to write ${target}: it resolves to ${real}, outside ${realRoot} (a symlink on the way?)`,
  );
}

/**
 * Real path of `p`, or of its deepest existing ancestor with the rest appended. Missing
 * levels are found with lstat's no-throw form: a failed realpath throws an Error with a
 * stack per level, which made this check most of the cost of publishing a partition
 * (65 of 90 us; 50,000 partitions at 10M bars in 200-bar symbol-days, issue 16).
 */
function realOfNearest(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    if (exists(cur)) {
      try {
        return join(realpathSync(cur), ...rest.reverse());
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
        // It exists but has no real path: a symlink to nothing. Writing through it would
        // create its target.
        throw new AppError(PATH_OUTSIDE_ROOT, `refusing to write through ${cur}: a symlink to nothing`);
      }
    }
    const parent = dirname(cur);
    if (parent === cur) return join(cur, ...rest.reverse());
    rest.push(basename(cur));
    cur = parent;
  }
}

/** Whether `p` itself exists (a symlink counts, whatever it points at); a file on the way is "no". */
function exists(p: string): boolean {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw err;
  }
}
