import { LAMBDA_RUNTIME } from '../infra/autopilot-function';

describe('toolchain', () => {
  it('runs the tests on the Node.js major of the Lambda runtime (node@24 from devDependencies)', () => {
    const lambdaMajor = /^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)?.[1];

    expect(process.versions.node.split('.')[0]).toBe(lambdaMajor);
  });
});
