import * as v from '../../../functions/shared/valibot';

import { decideCommandStatus } from '../../../functions/command-status/decide';
import { CommandStatusChange } from '../../../functions/command-status/schema';
import { fixture } from '../../helpers/fixtures';

const event = (parameters: Record<string, string[]>, commandId = 'cmd-1') => {
  const raw = fixture<{ detail: Record<string, unknown> }>('ssm/command-status.success.json');
  raw.detail.parameters = parameters;
  raw.detail['command-id'] = commandId;
  return v.parse(CommandStatusChange, raw);
};

describe('decideCommandStatus', () => {
  it.each([
    ['a jobs smoke test', { Fleet: ['jobs-docker'], CandidateId: ['c-jobs'] }, 'jobs-docker', 'c-jobs'],
    ['a manager drain', { Fleet: ['manager'], CandidateId: ['c-manager'] }, 'manager', 'c-manager'],
    [
      'a command echoing more parameters',
      { Fleet: ['manager'], CandidateId: ['c-2'], RunnerVersion: ['18.6.2'] },
      'manager',
      'c-2',
    ],
  ])('advances the item %s names by its command', (_what, parameters, fleet, candidateId) => {
    const advance = decideCommandStatus(event(parameters, 'cmd-7').detail);

    expect(advance).toEqual({ fleet, candidateId, trigger: { kind: 'command', commandId: 'cmd-7' } });
  });

  it('reads the status event SSM sends', () => {
    const detail = v.parse(CommandStatusChange, fixture('ssm/command-status.success.json')).detail;

    const advance = decideCommandStatus(detail);

    expect(advance).toEqual({
      fleet: 'jobs-docker',
      candidateId: '9f3b1c7d2e5a8f4b6c0d',
      trigger: { kind: 'command', commandId: 'e5c5a4d1-2b3f-4c6d-8e9f-0a1b2c3d4e5f' },
    });
  });
});
