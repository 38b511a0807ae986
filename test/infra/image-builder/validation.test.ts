import * as v from '../../../functions/shared/valibot';
import { JobsPipeline } from '../../../functions/shared/config';
import { instanceTypeArchitecture, validatePipeline } from '../../../infra/image-builder/validation';

const pipeline = (overrides: Record<string, unknown>) =>
  v.parse(JobsPipeline, { name: 'jobs', kind: 'jobs', instanceTypes: ['c7a.large'], ...overrides });

describe('instanceTypeArchitecture', () => {
  it.each([
    ['c7g.large', 'arm64'],
    ['t4g.micro', 'arm64'],
    ['m6gd.xlarge', 'arm64'],
    ['c6gn.2xlarge', 'arm64'],
    ['x2gd.medium', 'arm64'],
    ['im4gn.large', 'arm64'],
    ['a1.large', 'arm64'],
    ['c7a.4xlarge', 'x86_64'],
    ['t3.medium', 'x86_64'],
    ['m7i.large', 'x86_64'],
    ['g4dn.xlarge', 'x86_64'],
    ['c5n.large', 'x86_64'],
  ])('knows %s is %s', (type, arch) => {
    expect(instanceTypeArchitecture(type)).toBe(arch);
  });
});

describe('validatePipeline', () => {
  it('accepts instance types of the image architecture', () => {
    expect(() =>
      validatePipeline(
        pipeline({ architecture: 'arm64', instanceTypes: ['c7g.large', 't4g.small'] }),
        '18.6.2',
      ),
    ).not.toThrow();
  });

  it('throws when an arm64 type builds an x86_64 image', () => {
    expect(() => validatePipeline(pipeline({ instanceTypes: ['c7a.large', 'c7g.large'] }), '18.6.2')).toThrow(
      /instance type "c7g.large" is arm64 but the image is x86_64: use a x86_64 type such as c7a.large, or set architecture: arm64/,
    );
  });

  it.each(['t4g.medium', 'c7a.large'])('throws when %s is used for the other architecture', (type) => {
    const architecture = type.startsWith('t4g') ? 'x86_64' : 'arm64';

    expect(() => validatePipeline(pipeline({ architecture, instanceTypes: [type] }), '18.6.2')).toThrow(
      new RegExp(`instance type "${type}"`),
    );
  });

  it('throws when the runner version is not exact', () => {
    expect(() => validatePipeline(pipeline({}), '18.6')).toThrow(
      /runnerVersion "18.6" is not an exact version/,
    );
  });
});
