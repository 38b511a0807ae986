import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AlertSettings } from '../../functions/alert/settings';
import { FleetSweeperSettings } from '../../functions/fleet-sweeper/settings';
import { WebhookSettings } from '../../functions/gitlab-webhook/settings';
import { HousekeeperSettings } from '../../functions/housekeeper/settings';
import { ImageStateSettings } from '../../functions/image-state/settings';
import { ReconcilerSettings } from '../../functions/reconciler/settings';
import { RedriveSettings } from '../../functions/redrive/settings';
import { RolloutSettings } from '../../functions/shared/rollout/settings';
import { CONFIG_ENV, readConfigSlice } from '../../functions/shared/settings';
import type { StandardSchemaV1 } from '../../functions/shared/standard-schema';
import { StartBakeSettings } from '../../functions/start-bake/settings';
import { buildApp } from '../../infra/app';
import type { AutopilotFunction, FunctionName, FunctionSettings } from '../../infra/autopilot-function';
import { testApp } from '../helpers/app';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'example.yaml');

/** The schema each function's handler reads its slice with (valibot's, or the webhook's own); typed against the stack's map. */
const SCHEMAS: { readonly [N in FunctionName]: StandardSchemaV1<unknown, FunctionSettings[N]> } = {
  alert: AlertSettings,
  'apply-config': RolloutSettings,
  'command-status': RolloutSettings,
  'fleet-sweeper': FleetSweeperSettings,
  'gitlab-webhook': WebhookSettings,
  housekeeper: HousekeeperSettings,
  'image-state': ImageStateSettings,
  'manager-restart': RolloutSettings,
  reconciler: ReconcilerSettings,
  redrive: RedriveSettings,
  rollback: RolloutSettings,
  'rollout-step': RolloutSettings,
  'stage-candidate': RolloutSettings,
  'start-bake': StartBakeSettings,
};

/**
 * The function's environment as Lambda would hold it: every deploy-time reference resolved (to a
 * stand-in ARN, which also passes the schemas' `arn:` checks) and the region Lambda sets itself.
 */
const deployedEnv = (fn: AutopilotFunction): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(
    Object.keys(fn.config.environment).map((name) => [
      name,
      `arn:aws:deploy-time:us-east-2:123456789012:${name}`,
    ]),
  ),
  AWS_REGION: 'us-east-2',
  [CONFIG_ENV]: JSON.stringify(fn.config.document),
});

describe('config slices of the example app', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'function-settings-'));
  const app = testApp({ outdir });
  const { autopilot } = buildApp(app, EXAMPLE);
  app.synth();
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes every function the settings map names, and no other', () => {
    expect(autopilot.functions.map((f) => f.serviceName).sort()).toEqual(Object.keys(SCHEMAS).sort());
  });

  it.each(Object.keys(SCHEMAS) as FunctionName[])('%s parses its slice with its own schema', (name) => {
    const fn = autopilot.functions.find((f) => f.serviceName === name)!;
    expect(() => readConfigSlice(SCHEMAS[name], deployedEnv(fn))).not.toThrow();
  });
});
