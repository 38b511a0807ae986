import fc from 'fast-check';
import * as v from '../../../functions/shared/valibot';

import {
  alarmConsoleUrl,
  composeAlert,
  formatAge,
  instanceIdsOf,
  MAX_INSTANCES,
  recheckEvent,
} from '../../../functions/alert/compose';
import type { AlarmMemory } from '../../../functions/alert/decide';
import { type AlertableInput, AlertInput, type AlarmStateChange } from '../../../functions/alert/schema';
import {
  alarmSample,
  bakeFailed,
  CANARY,
  configApplyFailed,
  configDriftDetected,
  MANAGER_INSTANCE,
  EVENT_SAMPLES,
  rolloutFailed,
  type Sample,
  SETTINGS,
} from './samples';

const parse = (sample: Sample): AlertableInput => v.parse(AlertInput, sample) as AlertableInput;
const alarm = (name: Parameters<typeof alarmSample>[0], patch: (s: Sample) => void = () => undefined) => {
  const sample = alarmSample(name);
  patch(sample);
  return parse(sample) as AlarmStateChange;
};
const MINUTE = 60_000;

describe('instanceIdsOf', () => {
  it('takes the canary, the manager and the command instances of the ledger item, and ids in the reason', () => {
    const ids = instanceIdsOf(parse(rolloutFailed()), {
      canaryInstanceId: CANARY,
      managerInstanceId: MANAGER_INSTANCE,
      commands: [{ instanceId: CANARY }, { instanceId: 'i-0123456789abcdef0' }],
    });

    expect(ids).toEqual([CANARY, MANAGER_INSTANCE, 'i-0123456789abcdef0']);
  });

  it('takes the drifted instance', () => {
    expect(instanceIdsOf(parse(configDriftDetected()))).toEqual([MANAGER_INSTANCE]);
  });

  it('takes an alarm metric InstanceId dimension', () => {
    const event = alarm('singleMetric', (s) => {
      const metrics = (
        s.detail.configuration as { metrics: { metricStat: { metric: { dimensions: object } } }[] }
      ).metrics;
      metrics[0]!.metricStat.metric.dimensions = { InstanceId: 'i-0fedcba9876543210' };
    });

    expect(instanceIdsOf(event)).toEqual(['i-0fedcba9876543210']);
  });

  it('names none for a bake and for an alarm on a suite metric', () => {
    expect(instanceIdsOf(parse(bakeFailed()))).toEqual([]);
    expect(instanceIdsOf(alarm('metricMath'))).toEqual([]);
  });

  it(`stops at ${MAX_INSTANCES}`, () => {
    const many = Array.from({ length: 15 }, (_, i) => `i-${String(i).padStart(17, '0')}`);

    expect(instanceIdsOf(parse(rolloutFailed({ reason: many.join(' ') })))).toHaveLength(MAX_INSTANCES);
  });
});

describe('formatAge', () => {
  it.each([
    [30_000, '<1m'],
    [25 * MINUTE, '25m'],
    [5 * 60 * MINUTE + 12 * MINUTE, '5h 12m'],
    [3 * 1440 * MINUTE + 4 * 60 * MINUTE + 59 * MINUTE, '3d 4h'],
    [2 * 1440 * MINUTE, '2d'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe('composeAlert', () => {
  const firingDecision = { status: 'firing' as const, held: 0 };

  it('titles an alarm by its description, takes its Runbook as what to do and links the alarm console', () => {
    const alert = composeAlert(alarm('singleMetric'), firingDecision, { instances: [] }, SETTINGS);

    expect(alert).toMatchObject({
      status: 'firing',
      title: 'start-bake refused an input for good (bad event, unknown pipeline, resource deleted)',
      severity: 'critical',
      deployment: 'gitlab-runners',
      whatToDo:
        'read the ERROR lines with errorKind "permanent" in its log group; fix the sender or the config.',
      link: {
        label: 'Open the alarm',
        url: 'https://us-east-2.console.aws.amazon.com/cloudwatch/home?region=us-east-2#alarmsV2:alarm/gitlab-runners-autopilot-start-bake-PermanentFailureAlarm',
      },
      at: '2026-11-30T03:15:00.130Z',
    });
    expect(alert.fleet).toBeUndefined();
    expect(alert.fields).toEqual(
      expect.arrayContaining([
        { label: 'State', value: 'ALARM (was OK)' },
        { label: 'Metric', value: 'RunnerAutopilot PermanentFailure (service=start-bake), Sum / 300s' },
      ]),
    );
  });

  it('marks the OK path resolved, at severity info, with nothing to do', () => {
    const alert = composeAlert(
      alarm('singleMetricOk'),
      { status: 'resolved', held: 0 },
      { instances: [] },
      SETTINGS,
    );

    expect(alert.title).toMatch(/^Resolved: start-bake refused/);
    expect(alert.severity).toBe('info');
    expect(alert.whatToDo).toMatch(/^Nothing to do/);
  });

  it('shows a metric-math alarm by its expression, its fleet from the dimension and its own severity', () => {
    const alert = composeAlert(alarm('metricMath'), firingDecision, { instances: [] }, SETTINGS);

    expect(alert.fleet).toBe('jobs-docker');
    expect(alert.severity).toBe('warning');
    expect(alert.fields).toContainEqual({
      label: 'Expression',
      value: 'Idle share (%): 100 * idle / IF(total > 0, total, 1)',
      long: true,
    });
  });

  it('shows a composite alarm by its rule and the alarms that set it off', () => {
    const alert = composeAlert(alarm('composite'), firingDecision, { instances: [] }, SETTINGS);

    expect(alert.title).toBe(
      'The manager fleet is unhealthy: jobs fail with runner_system_failure or instances are stuck',
    );
    expect(alert.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          label: 'Rule',
          value: expect.stringContaining('ALARM("gitlab-runners-autopilot-manager-stuck")'),
        }),
        {
          label: 'Triggered by',
          value: 'gitlab-runners-autopilot-manager-runner-system-failures',
          long: true,
        },
      ]),
    );
  });

  it('falls back to the alarm name without the stack prefix when there is no description', () => {
    const event = alarm(
      'singleMetric',
      (s) => delete (s.detail.configuration as { description?: string }).description,
    );

    expect(composeAlert(event, firingDecision, { instances: [] }, SETTINGS).title).toBe(
      'start-bake-PermanentFailureAlarm',
    );
  });

  it('reports rate-limited changes held back since the last message', () => {
    const alert = composeAlert(
      alarm('singleMetric'),
      { status: 'firing', held: 4 },
      { instances: [] },
      SETTINGS,
    );

    expect(alert.fields).toContainEqual(
      expect.objectContaining({ label: 'Held back', value: expect.stringMatching(/^4 state change/) }),
    );
  });

  it('lists instances with their age at the event, AMI and LT version, and names their fleet', () => {
    const alert = composeAlert(
      alarm('singleMetric'),
      firingDecision,
      {
        instances: [
          {
            instanceId: 'i-0fedcba9876543210',
            state: 'running',
            launchTime: new Date('2026-11-27T00:00:00Z'),
            imageId: 'ami-0123456789abcdef0',
            launchTemplateVersion: '7',
            autoScalingGroup: 'gitlab-runner-ao-group-docker',
          },
        ],
      },
      SETTINGS,
    );

    expect(alert.instances).toEqual([
      {
        instanceId: 'i-0fedcba9876543210',
        state: 'running',
        age: '3d 3h',
        imageId: 'ami-0123456789abcdef0',
        launchTemplateVersion: '7',
        autoScalingGroup: 'gitlab-runner-ao-group-docker',
      },
    ]);
    expect(alert.fleet).toBe('jobs-docker');
  });

  it('tells a failing pipeline, its fleets, the image and what to do, linking the pipeline', () => {
    const alert = composeAlert(
      parse(bakeFailed()),
      { status: 'firing', held: 2 },
      { instances: [] },
      SETTINGS,
    );

    expect(alert).toMatchObject({
      title: 'Bake of pipeline jobs failed',
      severity: 'warning',
      fleet: 'jobs-instance, jobs-docker',
      summary: 'Workflow Step failed: Step "test" failed: component docker-smoke exited 1',
      link: {
        url: `https://us-east-2.console.aws.amazon.com/imagebuilder/home?region=us-east-2#/pipelines/${encodeURIComponent('arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs')}`,
      },
    });
    expect(alert.fields).toEqual(
      expect.arrayContaining([
        { label: 'Image', value: 'gitlab-runners-jobs/1.0.4022/1' },
        expect.objectContaining({ label: 'Earlier failures', value: expect.stringMatching(/^2 more/) }),
      ]),
    );
  });

  it.each([
    ['rejected', 'warning', 'Rollout to fleet jobs-docker rejected its candidate'],
    ['rolled-back', 'critical', 'Rollout to fleet jobs-docker was rolled back'],
    ['refused', 'warning', 'Rollout to fleet jobs-docker was refused'],
    ['held', 'warning', 'Rollout to fleet jobs-docker is held by the emergency brake'],
    ['something-new', 'critical', 'Rollout to fleet jobs-docker failed'],
  ])('titles a rollout %s at severity %s', (outcome, severity, title) => {
    const alert = composeAlert(
      parse(rolloutFailed({ outcome })),
      firingDecision,
      { instances: [] },
      SETTINGS,
    );

    expect(alert).toMatchObject({ title, severity, fleet: 'jobs-docker' });
    expect(alert.link.url).toBe(
      'https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#AutoScalingGroupDetails:id=gitlab-runner-ao-group-docker;view=details',
    );
  });

  it('adds the candidate LT version and AMI from the ledger item', () => {
    const alert = composeAlert(
      parse(rolloutFailed()),
      firingDecision,
      {
        instances: [],
        rollout: { candidateVersion: 12, previousDefault: 11, amiId: 'ami-0aaaabbbbccccdddd' },
      },
      SETTINGS,
    );

    expect(alert.fields).toEqual(
      expect.arrayContaining([
        { label: 'LT version', value: '12 (default was 11)' },
        { label: 'AMI', value: 'ami-0aaaabbbbccccdddd' },
        expect.objectContaining({ label: 'Excerpt', long: true }),
      ]),
    );
  });

  it.each([
    ['failed-restored', 'warning'],
    ['failed', 'critical'],
  ])('rates a config apply that stopped at %s as %s', (stage, severity) => {
    const alert = composeAlert(
      parse(configApplyFailed({ stage })),
      firingDecision,
      { instances: [] },
      SETTINGS,
    );

    expect(alert).toMatchObject({
      severity,
      fleet: 'manager',
      title: `Config apply to manager fleet manager failed (${stage})`,
    });
  });

  it('says a config apply held by the emergency brake sent nothing, and when it goes on', () => {
    const alert = composeAlert(
      parse(configApplyFailed({ stage: 'held' })),
      firingDecision,
      { instances: [] },
      SETTINGS,
    );

    expect(alert).toMatchObject({
      severity: 'warning',
      title: 'Config apply to manager fleet manager is held by the emergency brake',
      whatToDo:
        'Nothing was sent: an operator froze the fleet (`runner-autopilot freeze`). The apply is sent within minutes of the brake ending or `runner-autopilot unfreeze <fleet|all>`.',
    });
  });

  it('links the drifted instance', () => {
    const alert = composeAlert(parse(configDriftDetected()), firingDecision, { instances: [] }, SETTINGS);

    expect(alert.link.url).toBe(
      `https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#InstanceDetails:instanceId=${MANAGER_INSTANCE}`,
    );
    expect(alert.summary).toBe('[[runners]] "jobs-docker": concurrent 20 -> 40');
  });

  it('encodes the alarm name in the console link', () => {
    expect(alarmConsoleUrl('eu-west-1', 'a b/c')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/a%20b%2Fc',
    );
  });
});

describe('recheckEvent', () => {
  const NAME = `${SETTINGS.alarmNamePrefix}start-bake-PermanentFailureAlarm`;
  const NOW = new Date('2026-11-30T04:00:00Z');
  const configuration = { description: 'start-bake refused an input. Severity: warning' };
  const memory: AlarmMemory = { lastTransitionAt: '2026-11-30T03:40:00.000Z', held: 2, configuration };

  it.each([
    [
      'the time CloudWatch gives',
      { state: 'ALARM', updatedAt: new Date('2026-11-30T03:50:00Z') },
      memory,
      '2026-11-30T03:50:00.000Z',
    ],
    ['the last change handled, without one', { state: 'ALARM' }, memory, '2026-11-30T03:40:00.000Z'],
    ['now, without either', { state: 'OK' }, undefined, '2026-11-30T04:00:00.000Z'],
  ])('dates the state change by %s', (_what, current, kept, timestamp) => {
    expect(recheckEvent(NAME, current, kept, SETTINGS, NOW).detail.state.timestamp).toBe(timestamp);
  });

  it('says the state CloudWatch gives now with the configuration kept from the held-back event', () => {
    const event = recheckEvent(NAME, { state: 'ALARM', reason: 'Threshold Crossed' }, memory, SETTINGS, NOW);

    expect(v.safeParse(AlertInput, event).issues).toBeUndefined();
    expect(event.detail).toMatchObject({
      alarmName: NAME,
      state: { value: 'ALARM', reason: 'Threshold Crossed' },
      configuration,
    });
    expect(event.region).toBe(SETTINGS.region);
  });
});

describe('composeAlert properties', () => {
  const samples = [
    ...(['singleMetric', 'singleMetricOk', 'metricMath', 'composite'] as const).map(
      (n) => () => alarmSample(n),
    ),
    ...Object.values(EVENT_SAMPLES).map((make) => () => make()),
  ];
  const instance = fc.record(
    {
      instanceId: fc.stringMatching(/^i-[0-9a-f]{17}$/),
      state: fc.constantFrom('running', 'terminated', 'unknown'),
      launchTime: fc.date({
        min: new Date('2020-01-01Z'),
        max: new Date('2030-01-01Z'),
        noInvalidDate: true,
      }),
      autoScalingGroup: fc.constantFrom(...SETTINGS.fleets.map((f) => f.autoScalingGroup), 'other-group'),
    },
    { requiredKeys: ['instanceId', 'state'] },
  );
  const input = fc.record({
    sample: fc.constantFrom(...samples),
    status: fc.constantFrom('firing' as const, 'resolved' as const),
    held: fc.nat({ max: 50 }),
    instances: fc.array(instance, { maxLength: 15 }),
  });

  it('is total and deterministic, and names at most MAX_INSTANCES instances', () => {
    fc.assert(
      fc.property(input, ({ sample, status, held, instances }) => {
        const event = parse(sample());
        const compose = () => composeAlert(event, { status, held }, { instances }, SETTINGS);

        const alert = compose();

        expect(alert.title).not.toBe('');
        expect(alert.instances.length).toBeLessThanOrEqual(MAX_INSTANCES);
        expect(compose()).toEqual(alert);
      }),
    );
  });
});
