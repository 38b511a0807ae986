import { EVENT_SOURCE } from '../../../functions/shared/events';
import type { AlertSettings } from '../../../functions/alert/settings';
import { fixture } from '../../helpers/fixtures';

/**
 * Samples of every source the alert function consumes, complete as Lambda receives them: the
 * CloudWatch ones from `events/cloudwatch/`, our bus events here (one per failure type, built like
 * the producers in functions/shared/rollout/ and functions/image-state put them).
 */

export const SETTINGS: AlertSettings = {
  deployment: 'gitlab-runners',
  region: 'us-east-2',
  topicArn: 'arn:aws:sns:us-east-2:123456789012:gitlab-runners-alerts',
  stateTable: 'gitlab-runners-autopilot-ledger',
  alarmNamePrefix: 'gitlab-runners-autopilot-',
  chat: [
    { kind: 'slack', name: 'ops-slack', url: { parameter: '/runner-autopilot/chat/slack' } },
    { kind: 'mattermost', name: 'ops-mattermost', url: { parameter: '/runner-autopilot/chat/mattermost' } },
    { kind: 'teams', name: 'ops-teams', url: { secretsManager: 'runner-autopilot/chat/teams' } },
  ],
  rateLimitMinutes: 30,
  bakeFailureWindowHours: 72,
  fleets: [
    { name: 'manager', autoScalingGroup: 'gitlab-runner-manager', pipeline: 'manager' },
    { name: 'jobs-instance', autoScalingGroup: 'gitlab-runner-ao-group', pipeline: 'jobs' },
    { name: 'jobs-docker', autoScalingGroup: 'gitlab-runner-ao-group-docker', pipeline: 'jobs' },
  ],
};

export const ALARM_SAMPLES = {
  singleMetric: 'cloudwatch/alarm-state-change.single-metric.alarm.json',
  singleMetricOk: 'cloudwatch/alarm-state-change.single-metric.ok.json',
  metricMath: 'cloudwatch/alarm-state-change.metric-math.alarm.json',
  composite: 'cloudwatch/alarm-state-change.composite.alarm.json',
  rollbackAlarm: 'cloudwatch/alarm-state-change.alarm.json',
} as const;

export type Sample = Record<string, unknown> & { id: string; detail: Record<string, unknown> };

export const alarmSample = (name: keyof typeof ALARM_SAMPLES): Sample => fixture<Sample>(ALARM_SAMPLES[name]);

const busEvent = (id: string, detailType: string, time: string, detail: Record<string, unknown>): Sample => ({
  version: '0',
  id,
  'detail-type': detailType,
  source: EVENT_SOURCE,
  account: '123456789012',
  time,
  region: 'us-east-2',
  resources: [],
  detail,
});

export const JOBS_PIPELINE_ARN =
  'arn:aws:imagebuilder:us-east-2:123456789012:image-pipeline/gitlab-runners-jobs';
export const CANARY = 'i-0c0ffee1234567890';
export const MANAGER_INSTANCE = 'i-0a1b2c3d4e5f60718';

export const bakeFailed = (overrides: Record<string, unknown> = {}): Sample =>
  busEvent('6f1d0c2e-1111-4c8b-9a51-0b3f4c5d6e01', 'Bake Failed', '2026-11-30T02:41:07Z', {
    pipeline: 'jobs',
    pipelineArn: JOBS_PIPELINE_ARN,
    imageArn: 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4022/1',
    status: 'FAILED',
    reason: 'Workflow Step failed: Step "test" failed: component docker-smoke exited 1',
    ...overrides,
  });

export const rolloutFailed = (overrides: Record<string, unknown> = {}): Sample =>
  busEvent('6f1d0c2e-2222-4c8b-9a51-0b3f4c5d6e02', 'Rollout Failed', '2026-11-30T03:02:44Z', {
    fleet: 'jobs-docker',
    candidateId: 'c-3f9a1b7e2d',
    imageArn: 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4021/1',
    stage: 'canary-testing',
    outcome: 'rejected',
    reason: `smoke test failed on canary ${CANARY}: docker run hello-world exited 125`,
    excerpt: 'docker: Error response from daemon: failed to create task for container.',
    ...overrides,
  });

export const configApplyFailed = (overrides: Record<string, unknown> = {}): Sample =>
  busEvent('6f1d0c2e-3333-4c8b-9a51-0b3f4c5d6e03', 'Config Apply Failed', '2026-11-30T03:20:10Z', {
    fleet: 'manager',
    applyId: 'a-7e6d5c4b3a',
    stage: 'failed-restored',
    reason: 'gitlab-runner did not come back after the restart; the previous config.toml was restored',
    excerpt: 'FATAL: Failed to load config: toml: line 12: expected "="',
    ...overrides,
  });

export const configDriftDetected = (overrides: Record<string, unknown> = {}): Sample =>
  busEvent('6f1d0c2e-4444-4c8b-9a51-0b3f4c5d6e04', 'Config Drift Detected', '2026-11-30T03:15:31Z', {
    fleet: 'manager',
    applyId: 'a-drift-2026-11-30',
    instanceId: MANAGER_INSTANCE,
    changes: '[[runners]] "jobs-docker": concurrent 20 -> 40',
    configHash: 'sha256:9f2c...e1',
    ...overrides,
  });

/** A pipeline's successful bake: not alerted, it ends the pipeline's `Bake Failed` streak. */
export const imageReady = (overrides: Record<string, unknown> = {}): Sample =>
  busEvent('6f1d0c2e-5555-4c8b-9a51-0b3f4c5d6e05', 'Image Ready', '2026-12-01T02:48:13Z', {
    pipeline: 'jobs',
    pipelineArn: JOBS_PIPELINE_ARN,
    imageArn: 'arn:aws:imagebuilder:us-east-2:123456789012:image/gitlab-runners-jobs/1.0.4023/1',
    imageVersion: '1.0.4023/1',
    amis: [{ region: 'us-east-2', imageId: 'ami-0123456789abcdef0', accountId: '123456789012' }],
    ...overrides,
  });

export const EVENT_SAMPLES = { bakeFailed, rolloutFailed, configApplyFailed, configDriftDetected } as const;
