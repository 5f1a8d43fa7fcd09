/**
 * inside-root.ts on a real file system: where a write would land, symlinks resolved,
 * also for the levels that do not exist yet.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '@ohlcv/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PATH_OUTSIDE_ROOT, realPathInside } from '../src/inside-root.ts';

let dir: string;
let root: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'inside-root-')));
  root = join(dir, 'lake');
  mkdirSync(join(root, 'processed'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isAppError(e) && e.code === PATH_OUTSIDE_ROOT) return e.message;
    throw e;
  }
  throw new Error('not refused');
};

describe('realPathInside', () => {
  it('a target several levels below what exists: its path under the root', () => {
    const target = join(root, 'processed/bars/date=2024-01-02/symbol=A');
    expect(realPathInside(root, target)).toBe(target);
    expect(realPathInside(root, join(root, 'processed'))).toBe(join(root, 'processed'));
  });

  it('a symlinked folder on the way that leads out: refused, also below it', () => {
    mkdirSync(join(dir, 'outside'));
    symlinkSync(join(dir, 'outside'), join(root, 'processed', 'bars'));
    expect(refusal(() => realPathInside(root, join(root, 'processed/bars/date=x/symbol=A')))).toContain(
      join(dir, 'outside/date=x/symbol=A'),
    );
  });

  it('a symlink to nothing on the way: refused (writing through it would create its target)', () => {
    symlinkSync(join(dir, 'nowhere'), join(root, 'processed', 'bars'));
    expect(refusal(() => realPathInside(root, join(root, 'processed/bars/date=x')))).toContain(
      'a symlink to nothing',
    );
  });

  it('a file on the way is not a folder: the path stays under the root (the write itself fails)', () => {
    writeFileSync(join(root, 'processed', 'bars'), 'x');
    expect(realPathInside(root, join(root, 'processed/bars/date=x'))).toBe(
      join(root, 'processed/bars/date=x'),
    );
  });

  it('a root that is itself a symlink: targets resolve to where it really is', () => {
    symlinkSync(root, join(dir, 'link'));
    expect(realPathInside(join(dir, 'link'), join(dir, 'link', 'processed/bars/new'))).toBe(
      join(root, 'processed/bars/new'),
    );
  });

  it('a symlink inside the root that stays inside: allowed', () => {
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), join(root, 'processed', 'bars'));
    expect(realPathInside(root, join(root, 'processed/bars/x'))).toBe(join(root, 'elsewhere/x'));
  });
});
