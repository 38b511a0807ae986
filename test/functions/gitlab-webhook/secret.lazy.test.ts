import { verifyToken } from '../../../functions/gitlab-webhook/secret';

// Stand-ins that record when each provider module is evaluated: the real ones load an SDK client.
const mockLoaded: string[] = [];
jest.mock('@aws-lambda-powertools/parameters/ssm', () => {
  mockLoaded.push('ssm');
  return { getParameter: () => Promise.resolve('test-webhook-token') };
});
jest.mock('@aws-lambda-powertools/parameters/secrets', () => {
  mockLoaded.push('secrets');
  return { getSecret: () => Promise.resolve('test-webhook-token') };
});

describe('secret provider loading', () => {
  it('evaluates no provider at import and only the configured one on first use', async () => {
    expect(mockLoaded).toEqual([]);

    await expect(verifyToken('test-webhook-token', { parameter: '/a/b' }, 0)).resolves.toBe(true);

    expect(mockLoaded).toEqual(['ssm']);
  });
});
