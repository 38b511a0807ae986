import { API_OPERATIONS as alert } from '../functions/alert/api-operations';
import { API_OPERATIONS as applyConfig } from '../functions/apply-config/api-operations';
import { API_OPERATIONS as commandStatus } from '../functions/command-status/api-operations';
import { API_OPERATIONS as fleetSweeper } from '../functions/fleet-sweeper/api-operations';
import { API_OPERATIONS as gitlabWebhook } from '../functions/gitlab-webhook/api-operations';
import { API_OPERATIONS as housekeeper } from '../functions/housekeeper/api-operations';
import { API_OPERATIONS as imageState } from '../functions/image-state/api-operations';
import { API_OPERATIONS as managerRestart } from '../functions/manager-restart/api-operations';
import { API_OPERATIONS as reconciler } from '../functions/reconciler/api-operations';
import { API_OPERATIONS as redrive } from '../functions/redrive/api-operations';
import { API_OPERATIONS as rollback } from '../functions/rollback/api-operations';
import { API_OPERATIONS as rolloutStep } from '../functions/rollout-step/api-operations';
import { API_OPERATIONS as stageCandidate } from '../functions/stage-candidate/api-operations';
import { API_OPERATIONS as startBake } from '../functions/start-bake/api-operations';

/** Each function's `api-operations.ts`, by folder name: the IAM actions of the AWS calls it makes. */
export const API_OPERATIONS: Readonly<Record<string, readonly string[]>> = {
  alert,
  'apply-config': applyConfig,
  'command-status': commandStatus,
  'fleet-sweeper': fleetSweeper,
  'gitlab-webhook': gitlabWebhook,
  housekeeper,
  'image-state': imageState,
  'manager-restart': managerRestart,
  reconciler,
  redrive,
  rollback,
  'rollout-step': rolloutStep,
  'stage-candidate': stageCandidate,
  'start-bake': startBake,
};

/** The operations of function `name`; a function without a list is a mistake in the repo. */
export const apiOperationsOf = (name: string): readonly string[] => {
  const operations = API_OPERATIONS[name];
  if (!operations)
    throw new Error(`functions/${name}/api-operations.ts is missing from infra/api-operations.ts`);
  return operations;
};
