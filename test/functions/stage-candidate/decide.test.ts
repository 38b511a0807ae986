import { stagingOutcome } from '../../../functions/stage-candidate/decide';
import type { StepResult } from '../../../functions/shared/rollout/context';

const result = (fleet: string, to: StepResult['to']): StepResult => ({
  fleet,
  candidateId: `c-${fleet}`,
  from: 'new',
  to,
  note: 'staged',
});

describe('stagingOutcome', () => {
  it.each([
    [[result('jobs-docker', 'staged')], 'jobs-docker: staged'],
    [
      [result('jobs-docker', 'staged'), result('manager', 'rejected')],
      'jobs-docker: staged; manager: rejected',
    ],
  ])('is staged, naming each fleet state', (results, reason) => {
    const outcome = stagingOutcome('jobs', results);

    expect(outcome).toEqual({ outcome: 'staged', reason, results });
  });

  it('is no-fleet when no launch template is fed by the pipeline', () => {
    const outcome = stagingOutcome('windows', []);

    expect(outcome).toEqual({
      outcome: 'no-fleet',
      reason: 'no fleet is fed by pipeline windows',
      results: [],
    });
  });
});
