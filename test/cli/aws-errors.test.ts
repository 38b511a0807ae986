import { callAws, describeAwsError } from '../../cli/aws-errors';
import { CliError } from '../../cli/command';

const awsError = (name: string, message = 'AWS said no') => Object.assign(new Error(message), { name });

describe('describeAwsError', () => {
  it.each([
    ['CredentialsProviderError', 'no AWS credentials found: set AWS_PROFILE or run `aws sso login`'],
    ['ExpiredTokenException', 'your AWS credentials have expired: run `aws sso login` or renew them'],
    [
      'ThrottlingException',
      'AWS throttled dynamodb:Query even after retries: wait a minute and run it again',
    ],
    [
      'ProvisionedThroughputExceededException',
      'AWS throttled dynamodb:Query even after retries: wait a minute and run it again',
    ],
    [
      'AccessDeniedException',
      "access denied for dynamodb:Query: use a role that allows dynamodb:Query on this deployment's resources (AWS said: AWS said no)",
    ],
  ])('says %s in one line with what to do', (name, line) => {
    expect(describeAwsError(awsError(name), 'dynamodb:Query')).toBe(line);
  });

  it('names the action AWS refused over the one the command made', () => {
    const error = awsError(
      'AccessDenied',
      'User: x is not authorized to perform: ssm:GetParameter on resource: y',
    );

    expect(describeAwsError(error, 'events:PutEvents')).toMatch(/^access denied for ssm:GetParameter: /);
  });

  it('finds the AWS error among the causes', () => {
    const error = new Error('query failed', { cause: awsError('CredentialsProviderError') });

    expect(describeAwsError(error)).toBe('no AWS credentials found: set AWS_PROFILE or run `aws sso login`');
  });

  it('leaves other errors alone', () => {
    expect(describeAwsError(new Error('boom'))).toBeUndefined();
  });

  it('turns an AWS error of a call into a CliError with the SDK error as cause', async () => {
    const sdk = awsError('ThrottlingException');

    const failed = callAws('events:PutEvents', () => Promise.reject(sdk));

    await expect(failed).rejects.toThrow(CliError);
    await expect(failed).rejects.toMatchObject({ cause: sdk });
  });
});
