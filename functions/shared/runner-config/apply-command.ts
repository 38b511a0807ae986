import type { Fleet } from '../fleet';
import { itemParameters } from '../rollout/common';
import { drainBoundSeconds } from '../rollout/commands';
import type { ConfigApply } from '../rollout/model';

/** The apply-config document's parameters: where the config lives, never what it holds. */
export const applyParameters = (
  item: ConfigApply,
  manager: Fleet,
  configPrefix: string,
  allowRestart: boolean,
): Record<string, string[]> => ({
  ...itemParameters(item),
  ConfigPrefix: [configPrefix],
  ExpectedHash: [item.configHash ?? ''],
  Mode: [item.mode],
  AllowRestart: [allowRestart ? 'true' : 'false'],
  DrainTimeoutSeconds: [String(drainBoundSeconds(manager))],
});
