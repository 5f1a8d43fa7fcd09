/**
 * The AWS API emulator: moto's server on a free loopback port, started once per rehearsal
 * (or per stage test file), with IAM enforcement switched on once the harness's own admin
 * user exists. With AWS_ENDPOINT_URL set, the user's emulator is used instead and left as is.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { venvPython } from '@ohlcv/core/testing/toolchain';

/** `python -m moto.server` plus one signature-check fix (see the file). */
const MOTO_LAUNCHER = fileURLToPath(new URL('../moto_server.py', import.meta.url));

export interface Emulator {
  endpoint: string;
  /** True when this harness started it (and so may switch IAM enforcement on). */
  owned: boolean;
  /** The harness's admin principal on an owned emulator, once created (before enforcement). */
  admin?: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });

/** The python that has moto[server]: the shared test venv, else the image's python3. */
export function motoPython(): string | undefined {
  return venvPython();
}

async function waitReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`moto server exited with code ${exited} before it was ready`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok || res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto server at ${endpoint} not ready after ${timeoutMs} ms`);
}

export async function startMoto(
  opts: { python?: string; log?: (line: string) => void } = {},
): Promise<Emulator> {
  const python = opts.python ?? motoPython() ?? 'python3';
  const port = await freePort();
  const child = spawn(python, [MOTO_LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Enforcement starts when the harness says so (reset-auth), after its admin user exists.
    env: { ...process.env, MOTO_CALL_RESET_API: 'true' },
  });
  const tail: string[] = [];
  const keep = (b: Buffer) => {
    for (const line of b.toString().split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 50) tail.shift();
      opts.log?.(line);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitReady(endpoint, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${tail.join('\n')}`);
  }
  return {
    endpoint,
    owned: true,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** From now on every request must be signed by a known access key and allowed by its policies. */
export async function enforceIam(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  if (!res.ok) throw new Error(`moto reset-auth failed: ${res.status} ${await res.text()}`);
}

export async function emulatorFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  opts: { log?: (line: string) => void } = {},
): Promise<Emulator> {
  if (env.AWS_ENDPOINT_URL) return { endpoint: env.AWS_ENDPOINT_URL, owned: false, stop: async () => {} };
  return startMoto(opts);
}
