/** Errors carry a stable code, whether a retry can help, and the cause. */
import type { ErrorCode } from './error-codes.ts';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const errorCode = (e: unknown): string =>
  isAppError(e) ? e.code : e instanceof Error ? e.name : 'UnknownError';

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
