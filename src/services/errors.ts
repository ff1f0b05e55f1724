// Errors a service raises for its callers (Slack handlers, jobs, the CLI) to show as they are.
import type { FieldError } from '../connectors/registry.js';

export type ServiceErrorCode = 'not_found' | 'invalid' | 'conflict' | 'refused';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    /** Per-field problems, for inline errors in a form. */
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ServiceError('not_found', `${what} was not found`);
