import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { LambdaFunctionUrlSchema } from '@aws-lambda-powertools/parser/schemas/lambda';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from '../../functions/shared/valibot';

import { DriftCheck, ManifestChanged } from '../../functions/apply-config/schema';
import { CommandStatusChange } from '../../functions/command-status/schema';
import { SweepInput } from '../../functions/fleet-sweeper/schema';
import { HousekeepingInput } from '../../functions/housekeeper/schema';
import { SqsEvent } from '../../functions/redrive/schema';
import { AlarmStateChange } from '../../functions/rollback/schema';
import { StepInput } from '../../functions/rollout-step/schema';

import { ImageStateChange } from '../../functions/image-state/schema';
import { busEvent } from '../../functions/shared/eventbridge-envelope';
import { DetailType } from '../../functions/shared/events';
import { RedriveMessage } from '../../functions/shared/redrive';
import { ScheduledBake } from '../../functions/start-bake/schema';
import { EVENTS_DIR, fixture } from '../helpers/fixtures';

/** Every schema's issues: Powertools' (zod) and ours (valibot) alike, through Standard Schema. */
const issuesOf = (schema: StandardSchemaV1, value: unknown): readonly StandardSchemaV1.Issue[] => {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) throw new TypeError('every schema here validates at once');
  return result.issues ?? [];
};

/**
 * Real-shaped (Powertools' full schema), parsed by the redrive's own, with a redrive message in
 * every record's body.
 */
const SqsFallbackEvent: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => {
      const issues = [...issuesOf(SqsSchema, value), ...issuesOf(SqsEvent, value)];
      if (issues.length) return { issues };
      const { Records } = v.parse(SqsEvent, value);
      return Records.every((r) => v.safeParse(RedriveMessage, JSON.parse(r.body)).success)
        ? { value }
        : { issues: [{ message: 'a record body is not a redrive message' }] };
    },
  },
};

/** Which schema each folder of `events/` must satisfy: the one its function parses with. */
const SCHEMAS: Record<string, StandardSchemaV1> = {
  gitlab: LambdaFunctionUrlSchema,
  sqs: SqsFallbackEvent,
  imagebuilder: ImageStateChange,
  ssm: CommandStatusChange,
  'ssm/parameter-store-change.manifest.json': ManifestChanged,
  'scheduler/drift-check.json': DriftCheck,
  'scheduler/fleet-sweep.json': SweepInput,
  'runner-autopilot/config-apply-requested.json': busEvent(DetailType.ConfigApplyRequested),
  // A neighbour: a real event of the source that our rule must leave out (test/infra checks it).
  'ssm/command-status.other-document.json': EventBridgeSchema,
  cloudwatch: AlarmStateChange,
  'scheduler/nightly-bake.json': ScheduledBake,
  'scheduler/rollout-step.canary-check.json': StepInput,
  'scheduler/reconciler.json': v.looseObject({}),
  'scheduler/housekeeping.json': HousekeepingInput,
  'runner-autopilot/bake-requested.json': busEvent(DetailType.BakeRequested),
  'runner-autopilot/image-ready.json': busEvent(DetailType.ImageReady),
  'runner-autopilot/rollback-requested.json': busEvent(DetailType.RollbackRequested),
  'runner-autopilot/manager-restart-requested.json': busEvent(DetailType.ManagerRestartRequested),
};

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
  );
const files = walk(EVENTS_DIR).map((f) => relative(EVENTS_DIR, f));

const schemaFor = (file: string): StandardSchemaV1 | undefined =>
  SCHEMAS[file] ?? SCHEMAS[file.split('/')[0] ?? ''];

describe('events/ fixtures', () => {
  it('include a sample for every trigger', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  it.each(files)('%s parses with the schema of the function it feeds', (file) => {
    const schema = schemaFor(file);

    expect(schema).toBeDefined();
    expect(schema && issuesOf(schema, fixture(file))).toEqual([]);
  });

  it.each(['DeliveryTimedOut', 'ExecutionTimedOut', 'Undeliverable', 'Terminated'])(
    'refuses %s, an invocation status, in a command status event',
    (status) => {
      const event = fixture<{ detail: { status: string } }>('ssm/command-status.success.json');
      event.detail.status = status;

      expect(v.safeParse(CommandStatusChange, event).success).toBe(false);
    },
  );
});
