import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { LambdaFunctionUrlSchema } from '@aws-lambda-powertools/parser/schemas/lambda';
import type { z } from 'zod';

import { ImageStateChange } from '../../functions/image-state/schema';
import { busEvent, DetailType } from '../../functions/shared/events';
import { ScheduledBake } from '../../functions/start-bake/schema';
import { EVENTS_DIR, fixture } from '../helpers/fixtures';

/** Which schema each folder of `events/` must satisfy: the one its function parses with. */
const SCHEMAS: Record<string, z.ZodType> = {
  gitlab: LambdaFunctionUrlSchema,
  imagebuilder: ImageStateChange,
  scheduler: ScheduledBake,
  'runner-autopilot/bake-requested.json': busEvent(DetailType.BakeRequested),
};

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
  );
const files = walk(EVENTS_DIR).map((f) => relative(EVENTS_DIR, f));

const schemaFor = (file: string): z.ZodType | undefined => SCHEMAS[file] ?? SCHEMAS[file.split('/')[0] ?? ''];

describe('events/ fixtures', () => {
  it('include a sample for every trigger', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  it.each(files)('%s parses with the schema of the function it feeds', (file) => {
    const schema = schemaFor(file);

    expect(schema).toBeDefined();
    expect(schema?.safeParse(fixture(file)).error).toBeUndefined();
  });
});
