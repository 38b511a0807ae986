import { CONFIG_STEPS } from '../runner-config/apply-steps';
import type { Steps } from './engine';
import { MANAGER_STEPS } from './manager';
import { PROMOTION_STEPS } from './promotion';
import { ROLLBACK_STEPS } from './rollback';
import { STAGING_STEPS } from './staging';

/**
 * Every step, for the functions any state's trigger can reach: the scheduled step, the SSM status
 * event and the reconciler (a deadline can fire in any state).
 */
export const ALL_STEPS: Steps = {
  ...STAGING_STEPS,
  ...PROMOTION_STEPS,
  ...MANAGER_STEPS,
  ...ROLLBACK_STEPS,
  ...CONFIG_STEPS,
};
