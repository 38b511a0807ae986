import { activePolicy, autoscalerOf } from '../../../functions/fleet-sweeper/policy';

/**
 * A `periods` array that also holds other values: gitlab-runner refuses the file and the linter
 * reports it (`wrong-type`), so only a config deployed past the linter meets this. The config model
 * reads such an array as absent, and the policy reader's default (every minute) applies: the
 * policy's idle instances count as kept on purpose rather than as idle. The reader before the
 * model (fce7d61) kept the string elements instead; the review of issue 10 found the difference,
 * and this pins the choice.
 */
describe('autoscalerOf on the config model (review of issue 10)', () => {
  const text = [
    '[[runners]]',
    '[runners.autoscaler]',
    '[runners.autoscaler.plugin_config]',
    'name = "g"',
    '[[runners.autoscaler.policy]]',
    'periods = ["* 8-18 * * mon-fri", 5]',
    'idle_count = 12',
  ].join('\n');
  const sundayNoon = new Date('2024-06-02T12:00:00Z');

  it('reads a mixed periods array as absent: the policy applies at every minute', () => {
    const policies = autoscalerOf(text, 'g')!.policies;

    expect(activePolicy(policies, sundayNoon)).toBe(policies[0]);
  });
});
