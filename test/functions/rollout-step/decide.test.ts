import fc from 'fast-check';
import * as v from '../../../functions/shared/valibot';

import { decideStep } from '../../../functions/rollout-step/decide';
import { StepInput } from '../../../functions/rollout-step/schema';
import { fixture } from '../../helpers/fixtures';

const STEPS = StepInput.entries.step.options;

describe('decideStep', () => {
  it.each(STEPS)('advances the named item by a %s trigger', (step) => {
    const input = v.parse(StepInput, { fleet: 'jobs-docker', candidateId: 'c-1', step });

    const advance = decideStep(input);

    expect(advance).toEqual({ fleet: 'jobs-docker', candidateId: 'c-1', trigger: { kind: step } });
  });

  it('reads the schedule input the stack writes', () => {
    const input = v.parse(StepInput, fixture('scheduler/rollout-step.canary-check.json'));

    const advance = decideStep(input);

    expect(advance.trigger).toEqual({ kind: 'canary-check' });
    expect(advance).toMatchObject({ fleet: input.fleet, candidateId: input.candidateId });
  });

  it('keeps the item of any schema-valid input', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.constantFrom(...STEPS),
        (fleet, candidateId, step) => {
          const advance = decideStep({ fleet, candidateId, step });

          expect(advance).toEqual({ fleet, candidateId, trigger: { kind: step } });
        },
      ),
    );
  });
});
