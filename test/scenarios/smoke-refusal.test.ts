import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import { AMI, canaries, standardFleet, TEMPLATE } from './fleet';
import { loadStack } from '../../rehearsal/router';

/**
 * A smoke command SSM refuses (InvalidParameters: a document deployed with a stricter
 * allowedPattern than the function sends, a deploy half done) fails the rollout for good; the
 * canary launched from the candidate must not outlive it.
 */

// Tuesday 01:00 UTC: inside the manager's maintenance window, no freeze (as rollout.test.ts).
const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';

jest.setTimeout(60_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

describe('a refused smoke command', () => {
  it('terminates the canary and keeps the default when SSM refuses the jobs smoke command', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    const name = [...s.world.documents.keys()].find((n) => n.endsWith('-autopilot-smoke-jobs'))!;
    expect(name).toBeDefined();
    const doc = s.world.documents.get(name)!;
    const user = doc.parameters.ConnectorUser!;
    s.world.documents = new Map([
      ...s.world.documents,
      [
        name,
        { ...doc, parameters: { ...doc.parameters, ConnectorUser: { ...user, allowedPattern: '^nobody$' } } },
      ],
    ]);

    s.imageReady('jobs', AMI.jobsNew);
    await s.runUntilQuiet();

    // The refusal happened, once, and the rollout ended.
    expect(s.world.refusedCommands).toEqual([expect.stringMatching(/^InvalidParameters: .*ConnectorUser/)]);
    expect(['failed', 'rejected']).toContain(s.rollout('jobs-docker').state);
    expect(s.world.templateByName(TEMPLATE.jobs).defaultVersion).toBe(1);
    // The canary must not outlive its rollout.
    expect(canaries(s.world).map((c) => c.state)).toEqual(['terminated']);
  });
});
