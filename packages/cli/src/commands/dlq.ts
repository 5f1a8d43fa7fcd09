import { dlqName, type QueueName, queueNames } from '@ohlcv/core';
import { formatOf, parse, table, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { withRuntime } from '../session.ts';
import { dlqSubscriptionCommand } from './dlq-subscription.ts';

const usage = `Usage: ohlcv dlq list [QUEUE] [--limit N] [--format table|json]
       ohlcv dlq redrive QUEUE [--max N]
       ohlcv dlq list|redrive --subscription NAME   (a subscription's DLQ, redriven to it only)

Dead-letter queues hold messages that failed their queue's maximum receives.
  list      shows DLQ messages (all DLQs, or the DLQ of QUEUE) without changing them
  redrive   moves QUEUE's DLQ messages back to QUEUE for another try
QUEUE is one of: ${queueNames.join(', ')}`;

const queueArg = (q: string | undefined): QueueName => {
  if (!q || !(queueNames as string[]).includes(q)) {
    throw new UsageError(`unknown queue "${q ?? ''}"; queues: ${queueNames.join(', ')}`);
  }
  return q as QueueName;
};

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'List or redrive dead-letter queues',
  usage,
  async run(argv, io) {
    if (argv.some((a) => a === '--subscription' || a.startsWith('--subscription=')))
      return dlqSubscriptionCommand.run(argv, io);
    const [verb, ...rest] = argv;
    if (verb === 'list') {
      const { values, positionals } = parse(
        rest,
        { limit: { type: 'string', default: '50' }, format: { type: 'string', default: 'table' } },
        true,
      );
      const format = formatOf(values.format);
      const targets = positionals[0] ? [queueArg(positionals[0])] : queueNames;
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError('--limit must be a positive whole number');
      const rows = await withRuntime(io, async (rt) =>
        targets.flatMap((q) =>
          rt.queues.peek(dlqName(q), limit).map((m) => ({
            dlq: dlqName(q),
            messageId: m.messageId,
            receiveCount: m.receiveCount,
            sentAt: m.sentAt.toISOString(),
            body: m.body.length > 160 ? `${m.body.slice(0, 157)}...` : m.body,
            fullBody: m.body,
          })),
        ),
      );
      if (format === 'json')
        io.stdout(`${toJson(rows.map(({ body: _b, fullBody, ...r }) => ({ ...r, body: fullBody })))}\n`);
      else
        io.stdout(
          rows.length === 0
            ? 'all DLQs are empty\n'
            : table(rows, ['dlq', 'messageId', 'receiveCount', 'sentAt', 'body']),
        );
      return 0;
    }
    if (verb === 'redrive') {
      const { values, positionals } = parse(rest, { max: { type: 'string' } }, true);
      const q = queueArg(positionals[0]);
      const max = values.max === undefined ? undefined : Number(values.max);
      if (max !== undefined && (!Number.isInteger(max) || max < 1))
        throw new UsageError('--max must be a positive whole number');
      const result = await withRuntime(io, async (rt) =>
        rt.queues.redrive(dlqName(q), { toQueue: q, maxMessages: max }),
      );
      io.stdout(`moved ${result.moved} message(s) from ${dlqName(q)} back to ${q}\n`);
      return 0;
    }
    throw new UsageError(`expected "list" or "redrive", got "${verb ?? ''}"`);
  },
};
