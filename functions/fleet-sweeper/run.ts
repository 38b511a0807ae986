import { Failures } from '../shared/failures';
import type { RunDeps } from '../shared/make-handler';
import { sendJobChecks, terminateIdleOrphans } from './apply';
import { classifyFleet } from './decide';
import { autoscalersOf, fleetFacts, fleetInstances, idleWindows, managerStates, readPlan } from './facts';
import { readInstances, readManagers, readSnapshots } from './gather';
import type { SweeperPorts } from './ports';
import { logReport, publishFleetMetrics, type SweepOutcome, sweepOutcome } from './report';
import type { SweepInput } from './schema';
import type { FleetSweeperSettings } from './settings';

export type SweeperDeps = RunDeps<FleetSweeperSettings, SweeperPorts>;

/**
 * Every few minutes: one snapshot per fleet (group, template, tagged instances, all pages), then
 * account-wide reads batched to their limits (status checks, SSM pings, CPU and network through
 * GetMetricData, the job check's recent answers), the pure classification, the job checks to send
 * (asynchronous: the next sweep reads the answers), the optional termination of idle orphans, and
 * one EMF blob of counts per fleet. A fleet that cannot be read is skipped and the run fails at the
 * end, so its failure queue and alarm see it; the others are still published.
 */
export const runFleetSweeper = async (input: SweepInput, deps: SweeperDeps): Promise<SweepOutcome> => {
  const { settings, ports, logger } = deps;
  const at = deps.now();
  logger.appendKeys({ scheduledTime: input.scheduledTime });
  const failures = new Failures(logger, 'sweep step failed');

  // 1. One snapshot per fleet; a fleet that cannot be read is left out of this sweep.
  const read = await readSnapshots(settings.fleets, ports, failures);
  const canaries = await ports.canaryInstances();

  // 2. Managers: present or draining, and the autoscaler each jobs group runs under.
  const managerReads = await readManagers(read, settings.configPrefixes, ports, failures);
  const snapshots = read.filter((s) => !managerReads.failed.has(s.fleet.name));
  const { autoscalers, unreadable } = autoscalersOf(
    snapshots.map((s) => s.fleet),
    managerReads.configs,
  );
  for (const { fleet, error } of unreadable)
    logger.warn('manager config.toml does not parse: idle capacity kept by its policy is unknown', {
      fleet,
      error,
    });

  // 3. The instances of each fleet, then what to read about them, batched account-wide.
  const instances = fleetInstances(snapshots, canaries);
  const plan = readPlan(snapshots, instances, idleWindows(snapshots, autoscalers, at), at);
  const reads = await readInstances(plan, settings.jobCheckDocument, at, ports);

  // 4. Decide per fleet.
  const gathered = {
    snapshots,
    // From every fleet read: a manager whose lease was read but not its config is left out of the
    // sweep, yet its state still counts for its jobs fleets.
    managers: managerStates(read, managerReads.leases, at),
    autoscalers,
    instances,
    reads,
  };
  const swept = snapshots.map((snap) => ({
    fleet: snap.fleet,
    report: classifyFleet(fleetFacts(snap, gathered, at), at, settings.sweepEveryMinutes),
  }));

  // 5. Apply: ask, terminate (only idle orphans no group holds), report.
  let jobChecksSent = 0;
  const terminated: string[] = [];
  for (const { fleet, report } of swept) {
    try {
      jobChecksSent += await sendJobChecks(
        report,
        fleet,
        { jobCheckDocument: settings.jobCheckDocument, scheduledTime: input.scheduledTime },
        ports,
      );
      terminated.push(...(await terminateIdleOrphans(report, logger, ports)));
    } catch (error) {
      failures.add(`apply for fleet ${fleet.name}`, error);
    }
    logReport(logger, report);
    publishFleetMetrics(report);
  }

  const reports = swept.map((s) => s.report);
  failures.throwIfAny('fleet sweep', `swept ${reports.length} of ${settings.fleets.length} fleets`);
  return sweepOutcome(reports, { jobChecksSent, terminated });
};
