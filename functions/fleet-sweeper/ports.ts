import { activityStarts, describeGroup, instancesInAnyGroup } from '../shared/aws/autoscaling';
import { getMetricData } from '../shared/aws/cloudwatch-metrics';
import {
  AUTO_SCALING_GROUP_TAG,
  EXISTING_STATES,
  findInstancesByTag,
  getLaunchTemplate,
  impairedInstances,
  type Instance,
  terminateInstances,
} from '../shared/aws/ec2';
import { getParameterValue, instancePings, recentCommandOutputs, sendCommand } from '../shared/aws/ssm';
import { getLease, listFleetRollouts } from '../shared/ledger';
import { CANARY_TAG } from '../shared/names';
import type { Lease, Rollout } from '../shared/rollout/model';

/** What a sweep reads and does in AWS and the ledger. */
export interface SweeperPorts {
  readonly describeGroup: typeof describeGroup;
  /** Every existing instance carrying the group's tag: members and detached ones, all pages. */
  readonly groupTaggedInstances: (group: string) => Promise<Instance[]>;
  /** Every existing canary of the account, all pages. */
  readonly canaryInstances: () => Promise<Instance[]>;
  readonly getLaunchTemplate: typeof getLaunchTemplate;
  readonly listFleetRollouts: (fleet: string) => Promise<Rollout[]>;
  readonly getLease: (fleet: string) => Promise<Lease | undefined>;
  readonly getParameterValue: typeof getParameterValue;
  readonly impairedInstances: typeof impairedInstances;
  readonly instancePings: typeof instancePings;
  readonly getMetricData: typeof getMetricData;
  readonly recentCommandOutputs: typeof recentCommandOutputs;
  readonly activityStarts: typeof activityStarts;
  readonly sendCommand: typeof sendCommand;
  readonly instancesInAnyGroup: typeof instancesInAnyGroup;
  readonly terminateInstances: typeof terminateInstances;
}

export const fleetSweeperPorts = (ledgerTable: string): SweeperPorts => ({
  describeGroup,
  groupTaggedInstances: (group) => findInstancesByTag({ [AUTO_SCALING_GROUP_TAG]: group }, EXISTING_STATES),
  canaryInstances: () => findInstancesByTag({ [CANARY_TAG]: 'true' }, EXISTING_STATES),
  getLaunchTemplate,
  listFleetRollouts: (fleet) => listFleetRollouts(ledgerTable, fleet),
  getLease: (fleet) => getLease(ledgerTable, fleet),
  getParameterValue,
  impairedInstances,
  instancePings,
  getMetricData,
  recentCommandOutputs,
  activityStarts,
  sendCommand,
  instancesInAnyGroup,
  terminateInstances,
});
