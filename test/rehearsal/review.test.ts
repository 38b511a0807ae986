import { rehearse, type RehearsalOptions } from '../../rehearsal/night';
import type { RehearsalResult } from '../../rehearsal/result';
import { timelineLines } from '../../rehearsal/terminal';
import { exampleConfigWith } from '../scenarios/fleet';

/**
 * The review of issue 13's rehearsal: scenarios where its timeline, summary or safety figures
 * would not say what the deployed suite does; each failed before its fix.
 */

const EXAMPLE = 'config/example.yaml';
const TUESDAY = { from: new Date('2026-12-08T18:00:00Z'), until: new Date('2026-12-09T08:00:00Z') };
/** Tuesday evening to Thursday morning: the jobs-docker restart of Wednesday 01:00 happens in it. */
const TWO_NIGHTS = { from: new Date('2026-12-08T18:00:00Z'), until: new Date('2026-12-10T08:00:00Z') };

const play = (extra: Partial<RehearsalOptions> = {}) =>
  rehearse({ configPath: EXAMPLE, ...TUESDAY, ...extra });

const figures = (r: RehearsalResult, fleet: string) => r.fleets.find((f) => f.fleet === fleet);

/** `HH:MM words` of the timeline entries of `service` whose words match `pattern`. */
const saidAt = (r: RehearsalResult, service: string, pattern: RegExp): string[] =>
  r.timeline
    .filter((e) => e.service === service && e.said.some((s) => pattern.test(s)))
    .map((e) => `${e.at.slice(5, 16)} ${e.said.join('; ')}`);

describe('review: the restart of a manager with running jobs', () => {
  // restart-manager.sh drains first (systemctl stop with SIGQUIT): it ends when the running jobs
  // did, and systemd kills gitlab-runner, and its jobs, at the drain bound (DrainTimeoutSeconds).
  it('ends when the job running at 01:00 ended (02:00), not 3 minutes after it began', async () => {
    const r = await rehearse({
      configPath: EXAMPLE,
      ...TWO_NIGHTS,
      jobs: [{ start: new Date('2026-12-10T00:30:00Z'), minutes: 90, fleet: 'jobs-docker' }],
    });

    const restarted = saidAt(r, 'command-status', /manager draining -> done/);
    expect(restarted).toHaveLength(1);
    // The fake said `12-10T01:03`: its restart-manager passed after 3 minutes whatever ran.
    expect(restarted[0]! >= '12-10T02:00').toBe(true);
  }, 120_000);

  it('counts a job still running when the drain bound (120 min) ran out as killed: exit code 3', async () => {
    const r = await rehearse({
      configPath: EXAMPLE,
      ...TWO_NIGHTS,
      jobs: [{ start: new Date('2026-12-10T00:30:00Z'), minutes: 200, fleet: 'jobs-docker' }],
    });

    expect(r.safety.jobsKilled).toBe(1);
    expect(r.ok).toBe(false);
  }, 120_000);
});

describe('review: --drop-events', () => {
  // The template's ReconcilerSchedule runs every 5 minutes, always; the rehearsal's driver ran it
  // only while a rollout was live, so a lost Image Ready was never announced again.
  it("stages tonight's job image anyway: the reconciler announces a lost image again", async () => {
    const r = await play({ dropEvents: 0.3 });

    expect(figures(r, 'jobs-docker')).toMatchObject({ bakes: 1, candidates: 1 });
  }, 120_000);
});

describe('review: faults that cannot happen', () => {
  it('--alarm of an alarm no rule of the stack routes is refused before the night is played', async () => {
    const progress = jest.fn();

    await expect(play({ alarms: ['no-such-alarm'], onProgress: progress })).rejects.toThrow(
      '--alarm no-such-alarm: no rule of the stack routes this alarm, so it would change nothing',
    );
    expect(progress).not.toHaveBeenCalled();
  }, 60_000);

  it('--push with a config without gitlab.webhook is refused before the night is played', async () => {
    const config = exampleConfigWith('no-webhook', (c) => {
      delete (c.gitlab as Record<string, unknown>).webhook;
    });
    const progress = jest.fn();

    await expect(
      rehearse({
        configPath: config,
        ...TUESDAY,
        pushes: [new Date('2026-12-08T20:00:00Z')],
        onProgress: progress,
      }),
    ).rejects.toThrow('--push needs gitlab.webhook in the config, with a rule');
    expect(progress).not.toHaveBeenCalled();
  }, 60_000);

  // The manager image bakes on Sundays (cron 30 2 * * 0): on a Tuesday night no new manager
  // exists to fail its health check, and the summary said nothing of it.
  it('--fail health on a night without a manager bake says the fault never came into play', async () => {
    const r = await play({ fail: ['smoke', 'health'] });

    expect(r.faults).toEqual(['--fail smoke', '--fail health (never came into play)']);
  }, 120_000);
});

describe('review: --throttle', () => {
  it('names, in the timeline, the error each invocation that ran out of retries died of', async () => {
    const r = await play({ throttle: 0.3, until: new Date('2026-12-08T23:00:00Z') });
    const died = r.timeline.filter((e) => e.outcome.startsWith('error '));
    const lines = timelineLines(r);

    expect(died.length).toBeGreaterThan(0);
    // Before: `fleet-sweeper    sweep step failed; failed`, which call was throttled unsaid.
    for (const e of died)
      expect(lines.filter((l) => l.includes(`${e.service.padEnd(16)} ${e.outcome}`))).not.toEqual([]);
    expect(lines.filter((l) => l.includes('Rate exceeded'))).not.toEqual([]);
  }, 60_000);
});

describe('review: determinism', () => {
  it('gives the same night twice for the same faults and seed', async () => {
    const faults = { dropEvents: 0.2, duplicateEvents: true, throttle: 0.2, seed: 3 };
    const first = JSON.stringify(await play(faults));
    const second = JSON.stringify(await play(faults));

    expect(second).toBe(first);
  }, 120_000);
});
