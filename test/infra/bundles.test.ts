import { join } from 'node:path';
import { tmpdir } from 'node:os';

import { build } from 'esbuild';

import { esbuildOptions } from '../../infra/bundling';

const ROLLOUT_CLIENTS = [
  'client-auto-scaling',
  'client-cloudwatch',
  'client-dynamodb',
  'client-ec2',
  'client-eventbridge',
  'client-scheduler',
  'client-ssm',
];

/** The SDK clients each function calls: cold start is dominated by loading them (DESIGN.md). */
const CLIENTS: Record<string, string[]> = {
  // SNS only for its fallback topic, when PutEvents fails while GitLab waits.
  'gitlab-webhook': ['client-eventbridge', 'client-secrets-manager', 'client-sns', 'client-ssm'],
  redrive: ['client-eventbridge'],
  'start-bake': ['client-imagebuilder'],
  'image-state': ['client-eventbridge', 'client-imagebuilder'],
  housekeeper: ['client-auto-scaling', 'client-dynamodb', 'client-ec2'],
  'fleet-sweeper': [
    'client-auto-scaling',
    'client-cloudwatch',
    'client-dynamodb',
    'client-ec2',
    'client-ssm',
  ],
  // Functions that run any step of the rollout talk to every service of the rollout.
  ...Object.fromEntries(['rollout-step', 'command-status'].map((name) => [name, ROLLOUT_CLIENTS])),
  // The others wire only the ports of their steps: none reads an alarm.
  ...Object.fromEntries(
    ['stage-candidate', 'rollback', 'manager-restart'].map((name) => [
      name,
      ROLLOUT_CLIENTS.filter((c) => c !== 'client-cloudwatch'),
    ]),
  ),
  // It also lists the pipelines' images, for one whose Image Builder event was lost.
  reconciler: [...ROLLOUT_CLIENTS, 'client-imagebuilder'].sort(),
};

const clientsIn = async (name: string): Promise<string[]> => {
  const { metafile } = await build({ ...esbuildOptions(name, join(tmpdir(), `${name}.mjs`)), write: false });
  const clients = Object.keys(metafile?.inputs ?? {}).flatMap((path) => {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(path);
    return match?.[1] ? [match[1]] : [];
  });
  return [...new Set(clients)].sort();
};

describe('function bundles', () => {
  it.each(Object.entries(CLIENTS))(
    '%s bundles only the SDK clients it calls',
    async (name, expected) => {
      expect(await clientsIn(name)).toEqual(expected);
    },
    30_000,
  );
});
