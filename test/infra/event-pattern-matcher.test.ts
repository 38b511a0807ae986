import { matchesPattern, resolveIntrinsics } from '../../rehearsal/event-pattern';

const event = {
  source: 'aws.imagebuilder',
  'detail-type': 'EC2 Image Builder Image State Change',
  resources: ['arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.1/1'],
  detail: { state: { status: 'AVAILABLE' }, count: 3 },
};

describe('matchesPattern', () => {
  it.each([
    ['exact value', { source: ['aws.imagebuilder'] }, true],
    ['exact value, other', { source: ['aws.ec2'] }, false],
    ['nested', { detail: { state: { status: ['FAILED', 'AVAILABLE'] } } }, true],
    ['nested, other', { detail: { state: { status: ['FAILED'] } } }, false],
    [
      'array field, any element',
      { resources: [{ prefix: 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/' }] },
      true,
    ],
    [
      'prefix of a neighbour',
      { resources: [{ prefix: 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-job/' }] },
      false,
    ],
    ['suffix', { source: [{ suffix: '.imagebuilder' }] }, true],
    ['anything-but', { source: [{ 'anything-but': ['aws.ec2'] }] }, true],
    ['anything-but, excluded', { source: [{ 'anything-but': 'aws.imagebuilder' }] }, false],
    ['exists', { detail: { state: { reason: [{ exists: false }] } } }, true],
    ['exists, missing', { detail: { state: { reason: [{ exists: true }] } } }, false],
    ['missing field', { account: ['123456789012'] }, false],
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'AWS.ImageBuilder' }] }, true],
  ])('%s', (_, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('throws on an operator it does not know, so no test passes by ignoring it', () => {
    expect(() => matchesPattern({ detail: { count: [{ numeric: ['>', 1] }] } }, event)).toThrow('numeric');
  });
});

describe('resolveIntrinsics', () => {
  it('resolves pseudo parameters inside Fn::Join', () => {
    const arn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':imagebuilder:us-east-2:',
          { Ref: 'AWS::AccountId' },
          ':image/x/',
        ],
      ],
    };

    expect(resolveIntrinsics({ resources: [{ prefix: arn }] })).toEqual({
      resources: [{ prefix: 'arn:aws:imagebuilder:us-east-2:123456789012:image/x/' }],
    });
  });

  it('throws on a reference it cannot resolve', () => {
    expect(() => resolveIntrinsics({ Ref: 'SomeBucket' })).toThrow('SomeBucket');
  });
});
