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

/** Real path of `p`, or of its deepest existing ancestor with the rest appended. */
function realOfNearest(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      // A dangling symlink has no real path; writing through it would create its target.
      if (isDanglingLink(cur)) {
        throw new AppError(PATH_OUTSIDE_ROOT, `refusing to write through ${cur}: a symlink to nothing`);
      }
      const parent = dirname(cur);
      if (parent === cur) return join(cur, ...rest.reverse());
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
