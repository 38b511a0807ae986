import { join } from 'node:path';

import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { buildApp } from '../../infra/app';
import { testApp } from '../helpers/app';
import PINNED from './pinned-logical-ids.json';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'example.yaml');

/**
 * Logical ids of the named or stateful resources as the example config synthesized them before
 * the app became a construct library. A changed id makes CloudFormation replace the resource: a
 * new, empty ledger table or bus, or a named resource whose name is already taken.
 */
const PINNED_IDS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = PINNED;

const idsByType = (stack: Stack): Record<string, string[]> => {
  const { Resources } = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string }> };
  const pinnedTypes = new Set(Object.keys(PINNED_IDS[stack.stackName] ?? {}));
  const found: Record<string, string[]> = {};
  for (const [id, { Type }] of Object.entries(Resources))
    if (pinnedTypes.has(Type)) (found[Type] ??= []).push(id);
  return Object.fromEntries(Object.entries(found).map(([type, ids]) => [type, ids.sort()]));
};

describe('logical ids of an existing deployment', () => {
  const { images, autopilot } = buildApp(testApp(), EXAMPLE);

  it('keeps the CloudFormation stack names', () => {
    expect([images.stackName, autopilot.stackName].sort()).toEqual(Object.keys(PINNED_IDS).sort());
  });

  it.each([
    ['images', images],
    ['autopilot', autopilot],
  ])('keeps every named or stateful resource of the %s stack', (_name, stack) => {
    expect(idsByType(stack)).toEqual(PINNED_IDS[stack.stackName]);
  });

  it('pins the ledger table, the bus and the webhook function with its URL', () => {
    expect(PINNED_IDS['gitlab-runners-autopilot']).toMatchObject({
      'AWS::DynamoDB::Table': ['RolloutLedgerTable667DD814'],
      'AWS::Events::EventBus': ['BusEA82B648'],
      'AWS::Lambda::Function': expect.arrayContaining(['gitlabwebhookFunction4DB27AEB']),
      'AWS::Lambda::Url': ['gitlabwebhookFunctionFunctionUrlA0A87C02'],
    });
  });
});
