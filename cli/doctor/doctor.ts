import type { SuiteConfig } from '../../functions/shared/config';
import { describeAwsError } from '../aws-errors';
import { type Area, fail, type Finding } from './finding';

/** What every check is given: the deployment, the clock, and the optional GitLab token. */
export interface DoctorContext {
  readonly config: SuiteConfig;
  /** The config file, for fixes that name it. */
  readonly configFile: string;
  readonly now: Date;
  /**
   * Whether the autopilot stack exists. Before the first deploy, what only a deploy creates (the
   * published config, the pipelines, the ledger, the webhook URL) is a warning, not a fail: doctor
   * runs before a deploy too.
   */
  readonly deployed: boolean;
  /** A GitLab token with read scope, when the operator gave one. */
  readonly gitlabToken?: string;
}

/** One area's checks: reads the account (read-only calls only) and judges what it read. */
export interface Check {
  readonly area: Area;
  readonly run: (ctx: DoctorContext) => Promise<Finding[]>;
}

/**
 * Runs every check, one after the other (doctor is not in a hurry, and a read-only role's API
 * rate is shared with the functions). A check that throws is one fail of its area, with the AWS
 * error's own fix when it is one (a missing permission names the action): the other areas still run.
 */
export const runChecks = async (checks: readonly Check[], ctx: DoctorContext): Promise<Finding[]> => {
  const findings: Finding[] = [];
  for (const check of checks) {
    try {
      findings.push(...(await check.run(ctx)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      findings.push(
        fail(
          check.area,
          'doctor',
          `the ${check.area} checks could not run: ${message.split('\n')[0]}`,
          describeAwsError(error) ?? 'run again with --debug for the stack, and report it if it persists',
        ),
      );
    }
  }
  return findings;
};
