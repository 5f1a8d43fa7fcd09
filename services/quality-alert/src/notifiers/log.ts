/** Writes every alert to the structured log: always on, the record of what was raised. */
import type { Alert, Logger, Notifier } from '@ohlcv/core';

export function logNotifier(logger: Logger): Notifier & { name: string } {
  return {
    name: 'log',
    async notify(alert: Alert) {
      const line = {
        alertId: alert.alertId,
        kind: alert.kind,
        severity: alert.severity,
        title: alert.title,
        message: alert.message,
        correlationId: alert.correlationId,
        context: alert.context,
      };
      if (alert.severity === 'critical') logger.error('ALERT', line);
      else if (alert.severity === 'warning') logger.warn('ALERT', line);
      else logger.info('ALERT', line);
    },
  };
}
