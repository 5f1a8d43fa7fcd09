/** quality-alert raised an alert (and sent it to the notifiers). */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { pipelineDetail, sources } from './common.ts';

export const ALERT_RAISED = 'Alert Raised';
export const ALERT_RAISED_SOURCE = sources.qualityAlert;

export const alertRaisedDetailSchema = pipelineDetail({
  alertId: z.string().min(1),
  severity: z.enum(['info', 'warning', 'critical']),
  kind: z.enum(['job-failed', 'quality-failed', 'ingestion-failed', 'quarantine-threshold']),
  title: z.string().min(1),
  message: z.string(),
  context: z.record(z.string(), z.unknown()),
});
export const alertRaisedEventSchema = envelopeSchema(
  ALERT_RAISED_SOURCE,
  ALERT_RAISED,
  alertRaisedDetailSchema,
);

export type AlertRaisedDetail = z.infer<typeof alertRaisedDetailSchema>;
export type AlertRaisedEvent = z.infer<typeof alertRaisedEventSchema>;
