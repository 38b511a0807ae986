import { type Area, fail, type Finding, warn } from './finding';

/** How doctor's findings word times and the fixes several areas share. */

const MINUTE = 60_000;

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * A duration as a person says it, in whole units (as "3 days ago" means at least three): minutes
 * under an hour, hours under two days, then days.
 */
export const durationText = (ms: number): string => {
  const minutes = Math.max(0, Math.floor(ms / MINUTE));
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.floor(hours / 24), 'day');
};

/** `2026-12-04 02:00 UTC`: a time to the minute, in the one zone every operator can read. */
export const timeText = (at: Date): string => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** `2026-12-04 02:00 UTC (3 days ago)`. */
export const sinceText = (at: Date, now: Date): string =>
  `${timeText(at)} (${durationText(now.getTime() - at.getTime())} ago)`;

/** Deploys both stacks of the deployment (README, "Deploy"). */
export const deployFix = (configFile: string): string => `npx cdk deploy --all -c config=${configFile}`;

/**
 * Something only a deploy creates is missing: a fail once the deployment exists (it was deleted or
 * the deploy left it out), a warning before the first deploy.
 */
export const missingUntilDeployed = (
  where: { area: Area; subject: string; deployed: boolean; configFile: string },
  says: string,
): Finding =>
  where.deployed
    ? fail(where.area, where.subject, says, deployFix(where.configFile))
    : warn(
        where.area,
        where.subject,
        `not deployed yet: ${says}`,
        `${deployFix(where.configFile)}, then run doctor again`,
      );

/** Starts a bake now (README, "Other commands"). */
export const bakeFix = (pipeline: string, configFile: string): string =>
  `npm run bake -- ${pipeline} -c ${configFile}`;

/** A fleet's rollouts and their history, from the ledger. */
export const ledgerFix = (fleet: string, configFile: string): string =>
  `npm run ledger -- ${fleet} -c ${configFile}`;
