import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../command.ts';
import { serveDashboard } from './dashboard.ts';

let dir: string;
let rt: LocalRuntime;
let taken: net.Server;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-dashboard-'));
  rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: path.join(dir, 'home') }, dir) });
  taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  port = (taken.address() as net.AddressInfo).port;
});
afterAll(async () => {
  taken.close();
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serveDashboard: a taken port', () => {
  it('the default port taken: serves on a free port and says so', async () => {
    const { server, note } = await serveDashboard(rt, undefined, port);
    try {
      expect(note).toBe(`the default port ${port} is in use; took a free one`);
      expect(server.url).not.toContain(`:${port}/`);
      expect((await fetch(server.url)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('an explicit --port taken: a usage error naming it', async () => {
    await expect(serveDashboard(rt, String(port))).rejects.toThrow(
      new UsageError(`--port ${port}: port ${port} on 127.0.0.1 is in use; pass another (0 = any free port)`),
    );
  });
});
