import { pipelineEventInput } from '@ohlcv/events';
import { describeCatalogContract } from './catalog.contract.ts';
import { describeEventPublisherContract } from './event-publisher.contract.ts';
import {
  memoryCatalog,
  memoryJobRunner,
  memoryObjectStore,
  memoryPublisher,
  memoryQueueSender,
} from './in-memory.ts';
import { describeJobRunnerContract } from './job-runner.contract.ts';
import { describeObjectStoreContract } from './object-store.contract.ts';
import { describeQueueSenderContract } from './queue-sender.contract.ts';

describeObjectStoreContract('memoryObjectStore', () => ({ store: memoryObjectStore() }));

describeEventPublisherContract(
  'memoryPublisher',
  () => {
    const publisher = memoryPublisher();
    return { publisher, delivered: async () => publisher.events.map((e) => ({ ...e })) };
  },
  (i) =>
    pipelineEventInput('ETL Run Requested', {
      schemaVersion: 1,
      correlationId: `c${i}`,
      jobName: 'j',
      jobRunId: `r${i}`,
      manifestId: `m${i}`,
      manifestKey: `_manifests/m${i}.json`,
      objectCount: 1,
    }),
);

describeJobRunnerContract(
  'memoryJobRunner',
  (scenario) => {
    const runner = memoryJobRunner('jr_', ['ohlcv-etl']);
    runner.busy = scenario === 'busy';
    return {
      runner,
      started: async () => runner.started.map(({ jobName, arguments: a }) => ({ jobName, arguments: a })),
    };
  },
  'ohlcv-etl',
);

describeQueueSenderContract('memoryQueueSender', () => {
  const sender = memoryQueueSender(['ingestion-requests']);
  return { sender, sent: async (q) => sender.sent.get(q) ?? [] };
});

describeCatalogContract('memoryCatalog', () => ({ catalog: memoryCatalog() }));
