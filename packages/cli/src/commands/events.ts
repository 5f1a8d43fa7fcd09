import { formatOf, parse } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { openRuntime } from '../session.ts';
import { eventsSchemasCommand } from './events-schemas.ts';
import { eventsSubscriptionsCommand } from './events-subscriptions.ts';
import { testPatternCommand } from './events-test-pattern.ts';

const usage = `Usage: ohlcv events tail [--last N] [--follow] [--source PREFIX] [--format table|json]
       ohlcv events test-pattern --pattern '<json>' --event '<json>'
       ohlcv events subscriptions [--format table|json]
       ohlcv events schemas [NAME] [--dialect 2020-12|draft-04]

  tail           prints the events that crossed the local buses (AWS-native ones on the
                 default bus, ohlcv.* ones on the pipeline bus) and the queues each was
                 routed to; --follow keeps printing new ones (Ctrl-C to stop)
  test-pattern   tests an EventBridge event pattern against an event, like
                 "aws events test-event-pattern": prints {"Result":true|false}
  subscriptions  the declared subscriptions with delivered / failed / dead-lettered counts
  schemas        the events' JSON Schemas (draft-04: as in the AWS schema registry)`;

export const eventsCommand: Command = {
  name: 'events',
  summary: 'Tail pipeline events, or test an event pattern',
  usage,
  async run(argv, io) {
    const [verb, ...rest] = argv;
    if (verb === 'test-pattern') return testPatternCommand.run(rest, io);
    if (verb === 'subscriptions') return eventsSubscriptionsCommand.run(rest, io);
    if (verb === 'schemas') return eventsSchemasCommand.run(rest, io);
    if (verb !== 'tail')
      throw new UsageError(
        `expected "tail", "test-pattern", "subscriptions" or "schemas", got "${verb ?? ''}"`,
      );
    const { values } = parse(rest, {
      last: { type: 'string', default: '20' },
      follow: { type: 'boolean', default: false },
      source: { type: 'string' },
      format: { type: 'string', default: 'table' },
    });
    const format = formatOf(values.format);
    const last = Number(values.last);
    if (!Number.isInteger(last) || last < 0) throw new UsageError('--last must be a whole number');
    const rt = openRuntime(io);
    try {
      const show = (e: ReturnType<typeof rt.eventLog.last>[number]): void => {
        if (values.source && !e.source.startsWith(values.source)) return;
        if (format === 'json')
          io.stdout(
            `${JSON.stringify({ seq: e.seq, bus: e.bus, routedTo: e.routedTo, event: e.envelope })}\n`,
          );
        else {
          const d = e.envelope.detail as Record<string, unknown> | undefined;
          const hint = d?.object
            ? (d.object as { key?: string }).key
            : (d?.jobRunId ?? d?.requestId ?? d?.title ?? '');
          io.stdout(
            `${e.at}  #${e.seq}  ${e.bus.padEnd(8)} ${e.source.padEnd(20)} ${e.detailType.padEnd(42)} -> ${e.routedTo.join(',') || '(no rule)'}  ${String(hint).slice(0, 60)}\n`,
          );
        }
      };
      let seq = 0;
      for (const e of rt.eventLog.last(last)) {
        show(e);
        seq = e.seq;
      }
      while (values.follow && !io.signal.aborted) {
        await new Promise((r) => setTimeout(r, 300));
        for (const e of rt.eventLog.after(seq)) {
          show(e);
          seq = e.seq;
        }
      }
      return 0;
    } finally {
      await rt.close();
    }
  },
};
