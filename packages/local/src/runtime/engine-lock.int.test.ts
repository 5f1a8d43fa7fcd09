import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { fixedClock } from '@ohlcv/core/contracts/in-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineLock } from './engine-lock.ts';
import { type RuntimeKit, runtimeKit } from './testing/runtime-kit.ts';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** A second process that takes the engine lock on `dbFile` and holds it until killed. */
async function holderProcess(dbFile: string): Promise<{ child: ChildProcess; answer: unknown }> {
  const script = `
    import { EngineLock } from ${JSON.stringify(here('./engine-lock.ts'))};
    import { openStateDb } from ${JSON.stringify(here('../state-db.ts'))};
    const lock = new EngineLock(openStateDb(process.argv[1]), { now: () => new Date() });
    process.stdout.write(JSON.stringify(lock.acquire() ?? null) + '\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dbFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8');
  for await (const chunk of child.stdout!) {
    out += chunk;
    if (out.includes('\n')) break;
  }
  return { child, answer: JSON.parse(out) };
}

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

describe('EngineLock', () => {
  let kit: RuntimeKit | undefined;
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    kit?.cleanup();
  });

  it('is taken, re-entrant for its holder, and released', () => {
    kit = runtimeKit();
    const lock = new EngineLock(kit.db, fixedClock('2026-01-02T03:04:05.000Z'));
    expect(lock.holder()).toBeUndefined();
    expect(lock.acquire()).toBeUndefined();
    expect(lock.holder()).toEqual({ pid: process.pid, since: '2026-01-02T03:04:05.000Z' });
    expect(lock.acquire()).toBeUndefined();
    // Another connection (as `ohlcv status` would) sees the holder.
    expect(new EngineLock(kit.reopen().db, fixedClock(new Date())).holder()?.pid).toBe(process.pid);
    lock.release();
    expect(lock.holder()).toBeUndefined();
  });

  it('a second process sees the live holder; once the holder dies the lock is taken over', async () => {
    kit = runtimeKit();
    const { child, answer } = await holderProcess(kit.dbFile);
    children.push(child);
    expect(answer).toBeNull(); // the child got it
    const lock = new EngineLock(kit.db, fixedClock(new Date()));
    expect(lock.acquire()).toMatchObject({ pid: child.pid });
    expect(lock.holder()?.pid).toBe(child.pid);
    lock.release(); // not ours: nothing happens
    expect(lock.holder()?.pid).toBe(child.pid);

    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(lock.holder()).toBeUndefined();
    expect(lock.acquire()).toBeUndefined();
    expect(lock.holder()?.pid).toBe(process.pid);
  }, 15_000);

  it("a dead pid's lock row is taken over", async () => {
    kit = runtimeKit();
    const pid = await deadPid();
    kit.db.exec(
      'CREATE TABLE IF NOT EXISTS engine_lock (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, since TEXT NOT NULL)',
    );
    kit.db
      .prepare("INSERT INTO engine_lock (id, pid, since) VALUES (1, ?, '2020-01-01T00:00:00.000Z')")
      .run(pid);
    const lock = new EngineLock(kit.db, fixedClock('2026-01-02T03:04:05.000Z'));
    expect(lock.holder()).toBeUndefined();
    expect(lock.acquire()).toBeUndefined();
    expect(lock.holder()).toEqual({ pid: process.pid, since: '2026-01-02T03:04:05.000Z' });
  });
});
