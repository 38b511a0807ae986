import { rehearse } from '../../rehearsal/night';
import type { RehearsalResult } from '../../rehearsal/result';

/**
 * The alerts a night would have sent (the SNS messages of the real alert function), and the
 * housekeeper's nightly run, in rehearsals of the example config.
 */

const CONFIG = 'config/example.yaml';
const NIGHT = { from: new Date('2026-12-08T18:00:00Z'), until: new Date('2026-12-09T08:00:00Z') };
/** The manager fleet's runner system-failure alarm: a rollback alarm of every fleet by default. */
const SYSTEM_FAILURES = 'gitlab-runners-autopilot-manager-runner-system-failures';
const REHEARSAL_MS = 120_000;

describe('alerts in a rehearsal', () => {
  describe('a night whose nightly bake fails', () => {
    let result: RehearsalResult;
    beforeAll(async () => {
      result = await rehearse({ configPath: CONFIG, ...NIGHT, fail: ['bake'] });
    }, REHEARSAL_MS);

    it('sends one alert naming the pipeline, with the failed image and what to do', () => {
      expect(result.alerts).toHaveLength(1);
      const [alert] = result.alerts;
      expect(alert?.at).toBe('2026-12-09T02:55:00.000Z');
      expect(alert?.subject).toBe('[WARNING] gitlab-runners: Bake of pipeline jobs failed');
      expect(alert?.text.split('\n').slice(0, 6)).toEqual([
        '[WARNING] Bake of pipeline jobs failed',
        '',
        'Severity:   warning',
        'Deployment: gitlab-runners',
        'Fleet:      jobs-instance, jobs-docker',
        'When:       2026-12-09T02:55:00.000Z',
      ]);
      expect(alert?.text).toContain('Pipeline: jobs\nImage: gitlab-runners-jobs/1.0.1/1\nStatus: FAILED');
    });

    it('runs the alert function for the failure event, which publishes once', () => {
      const runs = result.timeline.filter((t) => t.service === 'alert');

      expect(runs.map((t) => `${t.via} -> ${t.outcome}`)).toEqual([
        'AlertsFailureEventRuleD9C79B79: Bake Failed -> sent',
      ]);
      expect(result.apiCalls.alert?.Publish).toBe(1);
    });

    it('runs the housekeeper at its schedule, which reads the AMIs and keeps them (dry run)', () => {
      const runs = result.timeline.filter((t) => t.service === 'housekeeper');

      expect(runs.map((t) => `${t.at} ${t.outcome}`)).toEqual(['2026-12-09T03:30:00.000Z dry-run']);
      expect(result.apiCalls.housekeeper?.DescribeImages).toBe(1);
      expect(result.apiCalls.housekeeper?.DeregisterImage).toBeUndefined();
    });
  });

  describe('a night with a rollback alarm firing after the promotion', () => {
    let result: RehearsalResult;
    beforeAll(async () => {
      result = await rehearse({ configPath: CONFIG, ...NIGHT, alarms: [SYSTEM_FAILURES] });
    }, REHEARSAL_MS);

    it("sends the alarm's alert, then its resolution", () => {
      const alarmAlerts = result.alerts.filter((a) => a.text.includes(`Alarm: ${SYSTEM_FAILURES}`));

      expect(alarmAlerts.map((a) => a.subject)).toEqual([
        '[CRITICAL] gitlab-runners: manager-runner-system-failures',
        '[RESOLVED] gitlab-runners: Resolved: manager-runner-system-failures',
      ]);
      expect(alarmAlerts[0]?.text).toContain('State: ALARM (was INSUFFICIENT_DATA)');
    });

    it('rolls the promoted fleets back and says so in an alert per rollout, naming its lead fleet', () => {
      // One rollout per launch template: jobs-instance shares jobs-docker's, which leads it.
      const rolledBack = result.rollouts
        .filter((r) => r.states.some((h) => h.state === 'rolled-back'))
        .map((r) => r.fleet);
      expect(result.fleets.filter((f) => f.rollbacks > 0).map((f) => f.fleet)).toEqual(
        expect.arrayContaining(['jobs-docker', 'jobs-instance']),
      );
      const rollbackAlerts = result.alerts.filter((a) => a.subject.includes('was rolled back'));

      expect(rolledBack.length).toBeGreaterThan(0);
      expect(rollbackAlerts.map((a) => a.subject).sort()).toEqual(
        rolledBack.map((f) => `[CRITICAL] gitlab-runners: Rollout to fleet ${f} was rolled back`).sort(),
      );
      for (const alert of rollbackAlerts) expect(alert.text).toContain(`alarm ${SYSTEM_FAILURES} is ALARM`);
    });

    it('keeps the safety figures', () => {
      expect(result.safety.jobsKilled).toBe(0);
      expect(result.safety.violations).toEqual([]);
    });
  });
});
