import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  activePolicy,
  type AutoscalerPolicy,
  autoscalerOf,
  idleSlotsWanted,
  keptIdleInstances,
} from '../../../functions/fleet-sweeper/policy';
import { renderTemplate, parseValues } from '../../../functions/shared/runner-config/render';

const CONFIG = join(__dirname, '..', '..', '..', 'config', 'manager');
const rendered = () =>
  renderTemplate(
    readFileSync(join(CONFIG, 'config.toml.tmpl'), 'utf8'),
    parseValues(JSON.parse(readFileSync(join(CONFIG, 'values.json'), 'utf8'))),
  ).text;

const policy = (over: Partial<AutoscalerPolicy> = {}): AutoscalerPolicy => ({
  periods: ['* * * * *'],
  timezone: 'UTC',
  idleCount: 0,
  scaleFactor: 0,
  scaleFactorLimit: 0,
  ...over,
});

describe('autoscalerOf', () => {
  it("reads the example manager config's docker-autoscaler group: capacity and both policies", () => {
    const a = autoscalerOf(rendered(), 'gitlab-runner-ao-group-docker');

    expect(a).toEqual({
      runner: 'aws-docker-autoscaler',
      capacityPerInstance: 4,
      policies: [
        policy({ idleCount: 4, idleTimeMinutes: 20 }),
        policy({
          periods: ['* 8-18 * * mon-fri'],
          timezone: 'Europe/Berlin',
          idleCount: 12,
          idleTimeMinutes: 30,
          scaleFactor: 0.5,
          scaleFactorLimit: 16,
        }),
      ],
    });
  });

  it('returns undefined for a group no runner scales', () => {
    expect(autoscalerOf(rendered(), 'someone-elses-group')).toBeUndefined();
  });

  it('takes the defaults: capacity 1, periods every minute, UTC', () => {
    const text =
      '[[runners]]\n[runners.autoscaler]\n[runners.autoscaler.plugin_config]\nname = "g"\n[[runners.autoscaler.policy]]\nidle_count = 2\n';

    expect(autoscalerOf(text, 'g')).toEqual({
      runner: 'runner 1',
      capacityPerInstance: 1,
      policies: [policy({ idleCount: 2 })],
    });
  });

  it('throws on text that is not TOML', () => {
    expect(() => autoscalerOf('[[runners', 'g')).toThrow();
  });
});

describe('activePolicy', () => {
  const [allDay, office] = autoscalerOf(rendered(), 'gitlab-runner-ao-group-docker')!.policies as [
    AutoscalerPolicy,
    AutoscalerPolicy,
  ];

  it.each([
    ['a Monday 10:00 in Berlin (09:00 UTC): the office policy, which comes last', '2026-11-30T09:00:00Z', 12],
    ['a Monday 18:59 in Berlin', '2026-11-30T17:59:00Z', 12],
    ['a Monday 19:00 in Berlin', '2026-11-30T18:00:00Z', 4],
    ['a Sunday noon', '2026-11-29T11:00:00Z', 4],
  ])('picks, at %s, the last matching policy', (_, at, idleCount) => {
    expect(activePolicy([allDay, office], new Date(at))?.idleCount).toBe(idleCount);
  });

  it('finds none when no period matches', () => {
    expect(activePolicy([office], new Date('2026-11-29T11:00:00Z'))).toBeUndefined();
  });
});

describe('keptIdleInstances', () => {
  it.each<[string, Partial<AutoscalerPolicy>, number, number[], number]>([
    ['idle_count in slots, one per instance', { idleCount: 3 }, 1, [], 3],
    ['idle_count divided by capacity, rounded up', { idleCount: 5 }, 4, [], 2],
    ['spare slots of busy instances count', { idleCount: 4 }, 4, [1], 1],
    ['a full busy instance has no spare slot', { idleCount: 4 }, 4, [4], 1],
    ['scale_factor x in-use slots above idle_count', { idleCount: 1, scaleFactor: 1 }, 1, [1, 1, 1], 3],
    [
      'scale_factor capped by scale_factor_limit',
      { idleCount: 1, scaleFactor: 2, scaleFactorLimit: 2 },
      1,
      [1, 1, 1],
      2,
    ],
    [
      'idle_count as the floor of a capped scale',
      { idleCount: 5, scaleFactor: 2, scaleFactorLimit: 2 },
      1,
      [1],
      5,
    ],
    ['nothing without a policy', {}, 1, [], 0],
  ])('keeps %s', (_, over, capacity, busy, expected) => {
    const p = Object.keys(over).length ? policy(over) : undefined;

    expect(keptIdleInstances(p, capacity, busy)).toBe(expected);
  });

  it('wants no idle slot without a policy', () => {
    expect(idleSlotsWanted(undefined, 10)).toBe(0);
  });
});
