/**
 * One set of connection settings for the state database: building the runtime's
 * components on the connection must not reset them (the queue store once set the busy
 * timeout back from 10 s to 5 s).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveHome } from './home.ts';
import { LocalRuntime } from './runtime/runtime.ts';
import { tempDir } from './runtime/testing/runtime-kit.ts';
import { STATE_DB_BUSY_TIMEOUT_MS } from './state-db.ts';

describe('the state database connection', () => {
  it('keeps WAL, synchronous NORMAL, foreign keys and the 10 s busy timeout once the runtime is built', async () => {
    const root = tempDir('ohlcv-state-db-');
    const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: root }, '/') });
    try {
      expect(STATE_DB_BUSY_TIMEOUT_MS).toBe(10_000);
      expect(rt.db.pragma('busy_timeout', { simple: true })).toBe(10_000);
      expect(rt.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(rt.db.pragma('synchronous', { simple: true })).toBe(1);
      expect(rt.db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      await rt.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
