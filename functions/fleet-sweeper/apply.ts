import type { Logger } from '@aws-lambda-powertools/logger';

import type { FleetReport } from './decide';
import type { SweeperPorts } from './ports';
import type { SweeperFleet } from './settings';

/** SendCommand's delivery timeout for a job check: an instance that cannot take it by then is unknown. */
const JOB_CHECK_DELIVERY_SECONDS = 60;

/**
 * Asks the report's instances whether they run a job. Asynchronous: the next sweep reads the
 * answers. Returns how many were asked.
 */
export const sendJobChecks = async (
  report: FleetReport,
  fleet: SweeperFleet,
  input: { jobCheckDocument: string; scheduledTime: string },
  ports: SweeperPorts,
): Promise<number> => {
  if (report.jobChecks.length === 0) return 0;
  await ports.sendCommand({
    documentName: input.jobCheckDocument,
    instanceIds: [...report.jobChecks],
    parameters: { ConnectorUser: [fleet.connectorUser ?? ''], Fleet: [fleet.name] },
    timeoutSeconds: JOB_CHECK_DELIVERY_SECONDS,
    comment: `fleet-sweeper ${fleet.name} ${input.scheduledTime}`.slice(0, 100),
  });
  return report.jobChecks.length;
};

/**
 * Terminates the report's idle orphans, but only those no group holds when asked again now: one
 * attached since the snapshot is left alone. Returns the ids terminated.
 */
export const terminateIdleOrphans = async (
  report: FleetReport,
  logger: Logger,
  ports: SweeperPorts,
): Promise<string[]> => {
  if (report.terminate.length === 0) return [];
  const held = await ports.instancesInAnyGroup(report.terminate);
  const going = report.terminate.filter((id) => !held.has(id));
  if (held.size > 0)
    logger.warn('orphans found in a group after all: left alone', { fleet: report.fleet, held: [...held] });
  if (going.length === 0) return [];
  await ports.terminateInstances(going);
  logger.info('terminated idle orphans', { fleet: report.fleet, instanceIds: going });
  return going;
};
