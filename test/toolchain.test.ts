import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { LAMBDA_RUNTIME } from '../infra/autopilot-function';

const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};
const versionsIn = (name: string) =>
  new Set(
    Object.entries(lock.packages)
      .filter(([path]) => path.endsWith(`node_modules/${name}`))
      .map(([, p]) => p.version),
  );

/**
 * The npm registry reachable here has no client-auto-scaling 3.1046.0 (nor an image builder client
 * newer than 3.1046.0): auto-scaling is the one client a patch release behind. Both share the one
 * @aws-sdk/core and @smithy/types below, which is what mixed versions would break.
 */
const SDK_VERSION = '3.1046.0';
const SDK_EXCEPTIONS: Record<string, string> = { '@aws-sdk/client-auto-scaling': '3.1045.0' };

describe('toolchain', () => {
  it('runs the tests on the Node.js major of the Lambda runtime (node@24 from devDependencies)', () => {
    const lambdaMajor = /^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)?.[1];

    expect(process.versions.node.split('.')[0]).toBe(lambdaMajor);
  });

  it('keeps every AWS SDK client on one version', () => {
    const clients = Object.entries(pkg.dependencies).filter(([name]) => name.startsWith('@aws-sdk/'));

    expect(clients.length).toBeGreaterThan(5);
    for (const [name, version] of clients)
      expect([name, version]).toEqual([name, SDK_EXCEPTIONS[name] ?? SDK_VERSION]);
  });

  it.each(['@smithy/types', '@aws-sdk/core', '@aws-lambda-powertools/commons'])(
    'installs %s once',
    (name) => {
      expect(versionsIn(name).size).toBe(1);
    },
  );
});
