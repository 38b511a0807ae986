/**
 * The one error policy (STYLE.md): a permanent error means the same input can never succeed, so
 * it is logged, counted and not retried; anything else is transient and retried by Lambda.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';

  /** For HTTP entry points: the 4xx status that answers this error. */
  readonly statusCode: number;

  constructor(message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.statusCode = options.statusCode ?? 400;
  }
}

export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** The secret names nothing, or holds nothing: a retry cannot help until someone stores it. */
export class SecretMissingError extends Error {
  override readonly name = 'SecretMissingError';
}

/**
 * SDK errors whose retry cannot help: the request itself is wrong or names nothing. Access denied
 * is left transient on purpose: it is a deployment fault, and the event should wait in the DLQ
 * for a replay once the policy is fixed.
 */
const PERMANENT_SDK_ERRORS = new Set([
  'ResourceNotFoundException',
  'InvalidRequestException',
  'InvalidParameterValueException',
  'ValidationException',
  'IdempotentParameterMismatchException',
  // EC2 and Auto Scaling name their errors differently.
  'IdempotentParameterMismatch',
  'ValidationError',
  // SSM SendCommand: a parameter outside the document's definition.
  'InvalidParameters',
]);

export const isPermanentSdkError = (error: unknown): boolean =>
  error instanceof Error && (PERMANENT_SDK_ERRORS.has(error.name) || /\.Malformed$/.test(error.name));
