import { CliError } from './command';

/**
 * AWS errors as one line that says what to do. The SDK's own errors carry long stacks and, from a
 * bundle, minified line numbers: an operator needs the cause and the fix (the stack is `--debug`'s).
 */

const CREDENTIALS = new Set(['CredentialsProviderError']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']);
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** The error itself or the first of its causes that the SDK threw. */
const awsErrorIn = (error: unknown): Error | undefined => {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ([CREDENTIALS, EXPIRED, ACCESS_DENIED, THROTTLED].some((names) => names.has(e.name))) return e;
  }
  return undefined;
};

/** AWS names the refused action in its message ("is not authorized to perform: events:PutEvents"). */
const refusedAction = (message: string): string | undefined =>
  /perform:? ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];

/**
 * One line for an AWS error, or undefined for any other error. `action` is the call the command
 * made (`events:PutEvents`), for the messages that do not name it.
 */
export const describeAwsError = (error: unknown, action?: string): string | undefined => {
  const aws = awsErrorIn(error);
  if (!aws) return undefined;
  if (CREDENTIALS.has(aws.name)) return 'no AWS credentials found: set AWS_PROFILE or run `aws sso login`';
  if (EXPIRED.has(aws.name)) return 'your AWS credentials have expired: run `aws sso login` or renew them';
  if (ACCESS_DENIED.has(aws.name)) {
    const what = refusedAction(aws.message) ?? action ?? 'the call';
    return `access denied for ${what}: use a role that allows ${what} on this deployment's resources (AWS said: ${aws.message.split('\n')[0]})`;
  }
  return `AWS throttled ${action ?? 'the call'} even after retries: wait a minute and run it again`;
};

/** Makes one AWS call for a command, turning an AWS error into its one line (the SDK's error as cause). */
export const callAws = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    const line = describeAwsError(error, action);
    if (line) throw new CliError(line, { cause: error });
    throw error;
  }
};
