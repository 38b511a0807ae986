/**
 * Proof that the rehearsal engine runs outside jest (`npx tsx rehearsal/smoke.ts`): the example
 * config's fleet on a Tuesday night, in its manager window, with a new image for each pipeline,
 * played by the scenario driver until nothing is left to do. Prints what it handled and promoted.
 */

// The functions build their loggers and metrics when their modules load: quiet them first, so
// the only output is the summary (the driver's modules load below, after this).
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// Lambda's own variable; the driver sets the deploy-time ones per function.
process.env.AWS_REGION ??= 'us-east-2';

const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';

const main = async (): Promise<number> => {
  const { endScenario, Scenario } = await import('./driver');
  const { AMI, standardFleet } = await import('./example-fleet');
  const s = new Scenario({ start: TUESDAY_NIGHT });
  try {
    standardFleet(s.world);
    s.imageReady('jobs', AMI.jobsNew);
    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet();
  } finally {
    endScenario();
  }
  const promotions = s.busEvents('Candidate Promoted');
  process.stdout.write(`events handled: ${s.invocations.length}\n`);
  process.stdout.write(`promotions: ${promotions.length}\n`);
  for (const p of promotions)
    process.stdout.write(`  promoted ${String(p.fleet)} to launch template version ${String(p.version)}\n`);
  return s.world.violations.length === 0 && promotions.length > 0 ? 0 : 1;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
