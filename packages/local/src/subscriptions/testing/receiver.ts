/**
 * A real HTTP subscriber on loopback for the delivery tests: records every request and answers
 * as scripted (status, a delay before answering, a body that stalls, or no answer at all).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Answer =
  | { status: number; delayMs?: number }
  /** Sends the status line and headers, then stalls before the body. */
  | { status: number; stallBodyMs: number }
  /** Never answers (the connection stays open until the receiver closes). */
  | { hang: true };

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Answers for the next requests, in order; after them, `fallback`. */
  script(...answers: Answer[]): void;
  fallback: Answer;
  /** Resolves when `n` requests have arrived (all of their bodies read). */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook', port = 0): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const scripted: Answer[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      for (const w of waiters.filter((w) => requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const answer = scripted.shift() ?? receiver.fallback;
      if ('hang' in answer) {
        hanging.add(res);
        return;
      }
      if ('stallBodyMs' in answer) {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.write('{"ok":');
        const t = setTimeout(() => res.end('true}'), answer.stallBodyMs);
        res.on('close', () => clearTimeout(t));
        return;
      }
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: answer.status }));
      };
      if (answer.delayMs) {
        const t = setTimeout(send, answer.delayMs);
        res.on('close', () => clearTimeout(t));
      } else send();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${bound}${path}`,
    port: bound,
    requests,
    fallback: { status: 200 },
    script: (...answers) => {
      scripted.push(...answers);
    },
    waitForRequests: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
