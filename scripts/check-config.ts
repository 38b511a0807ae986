/**
 * `npm run config:check -- <file>`: validates a deployment's config offline, the schema first and
 * then every construct's own checks (an in-memory synth without bundling), and lists what it makes.
 */
import { join, resolve } from 'node:path';

import { App } from 'aws-cdk-lib';

import { buildApp } from '../infra/app';

const file = resolve(process.argv[2] ?? join(__dirname, '..', 'config', 'example.yaml'));
try {
  const { images, autopilot } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), file);
  console.log(`${file}: valid`);
  for (const stack of [images, autopilot]) {
    const resources = stack.node
      .findAll()
      .filter((c) => c.node.defaultChild === undefined && 'cfnResourceType' in c);
    console.log(`  ${stack.stackName}: ${resources.length} resources`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
