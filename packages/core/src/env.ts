/**
 * Reading configuration from the environment, one way everywhere: a Lambda entry or the
 * CLI fails at start-up, naming the variable, rather than mid-batch.
 */
import { AppError } from './errors.ts';

export type Env = Record<string, string | undefined>;

/** The variable's value; `ConfigMissing` naming it when unset or empty. */
export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new AppError('ConfigMissing', `environment variable ${name} is not set`);
  return value;
}
