/**
 * The limits SQS enforces, enforced alike here so that what works locally works on AWS:
 * delays, visibility, batch sizes, body size, queue names.
 */
import { AppError } from '@ohlcv/core';

export const MAX_DELAY_SECONDS = 900;
export const MAX_VISIBILITY_SECONDS = 43_200;
export const MAX_RECEIVE_BATCH = 10_000;
/** SQS's message size limit (raised to 1 MiB in 2025). */
export const MAX_BODY_BYTES = 1_048_576;
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export const invalidParam = (message: string): AppError => new AppError('InvalidParameterValue', message);

export function validateQueueName(name: string): void {
  if (typeof name !== 'string' || !QUEUE_NAME.test(name))
    throw invalidParam(`invalid queue name ${JSON.stringify(name)}: 1-80 of A-Z a-z 0-9 _ -`);
}

export function requireRange(name: string, v: number, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw invalidParam(`${name} must be between ${min} and ${max}, got ${v}`);
}

export function requireInt(name: string, v: number, min: number, max: number): void {
  requireRange(name, v, min, max);
  if (!Number.isInteger(v)) throw invalidParam(`${name} must be an integer, got ${v}`);
}
