import { readSecret } from '../../../functions/shared/secrets';

// Stand-ins that record when each provider module is evaluated: the real ones load an SDK client.
const mockLoaded: string[] = [];
jest.mock('@aws-lambda-powertools/parameters/ssm', () => {
  mockLoaded.push('ssm');
  return { getParameter: () => Promise.resolve('https://hooks.example.com/x') };
});
jest.mock('@aws-lambda-powertools/parameters/secrets', () => {
  mockLoaded.push('secrets');
  return { getSecret: () => Promise.resolve('https://hooks.example.com/x') };
});

describe('shared secret provider loading', () => {
  it('evaluates no provider at import and only the one a ref names on first use', async () => {
    expect(mockLoaded).toEqual([]);

    await expect(readSecret({ secretsManager: 'team/hook' })).resolves.toBe('https://hooks.example.com/x');

    expect(mockLoaded).toEqual(['secrets']);
  });
});
