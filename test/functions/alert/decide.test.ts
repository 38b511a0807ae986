import fc from 'fast-check';
import * as v from '../../../functions/shared/valibot';

import {
  type AlarmMemory,
  type BakeStreak,
  contentKey,
  decideAlert,
  decideImageReady,
  memoryKey,
  type Memory,
} from '../../../functions/alert/decide';
import {
  alarmTime,
  type AlertableInput,
  AlertInput,
  type AlarmStateChange,
  ImageReady,
} from '../../../functions/alert/schema';
import { AlertSettings } from '../../../functions/alert/settings';
import {
  alarmSample,
  bakeFailed,
  configApplyFailed,
  configDriftDetected,
  imageReady,
  MANAGER_INSTANCE,
  rolloutFailed,
  type Sample,
  SETTINGS,
} from './samples';

/** An event that may become a message (Image Ready has its own decision). */
const parse = (sample: Sample): AlertableInput => v.parse(AlertInput, sample) as AlertableInput;
const ready = (overrides: Record<string, unknown> = {}, time?: string): ImageReady =>
  v.parse(ImageReady, { ...imageReady(overrides), ...(time ? { time } : {}) });
const alarm = (name: Parameters<typeof alarmSample>[0], patch: (s: Sample) => void = () => undefined) => {
  const sample = alarmSample(name);
  patch(sample);
  return parse(sample) as AlarmStateChange;
};
const at = (iso: string): Date => new Date(iso);
const NOW = at('2026-11-30T03:15:05Z');
const MINUTE = 60_000;

describe('AlertInput schema', () => {
  it.each([
    ['single-metric alarm', alarmSample('singleMetric')],
    ['single-metric OK', alarmSample('singleMetricOk')],
    ['metric-math alarm', alarmSample('metricMath')],
    ['composite alarm', alarmSample('composite')],
    ['Bake Failed', bakeFailed()],
    ['Rollout Failed', rolloutFailed()],
    ['Config Apply Failed', configApplyFailed()],
    ['Config Drift Detected', configDriftDetected()],
    ['Image Ready', imageReady()],
  ])('parses the %s sample', (_name, sample) => {
    expect(v.safeParse(AlertInput, sample).issues).toBeUndefined();
  });

  it.each(['Candidate Promoted', 'Bake Requested'])(
    'refuses an event of our bus it is not routed (%s)',
    (type) => {
      expect(v.safeParse(AlertInput, { ...bakeFailed(), 'detail-type': type }).success).toBe(false);
    },
  );

  it('refuses a Bake Failed detail under Image Ready', () => {
    expect(v.safeParse(AlertInput, { ...bakeFailed(), 'detail-type': 'Image Ready' }).success).toBe(false);
  });

  it('parses the settings of the samples', () => {
    expect(v.safeParse(AlertSettings, SETTINGS).issues).toBeUndefined();
  });

  it('refuses two chat channels with one name', () => {
    const chat = [SETTINGS.chat[0]!, { ...SETTINGS.chat[1]!, name: SETTINGS.chat[0]!.name }];

    const issues = v.safeParse(AlertSettings, { ...SETTINGS, chat }).issues ?? [];

    expect(issues.map((i) => [v.getDotPath(i), i.message])).toEqual([
      ['chat.1.name', `duplicate chat channel "${SETTINGS.chat[0]!.name}"`],
    ]);
  });
});

describe('contentKey', () => {
  it('is the same for a redelivery under another event id', () => {
    const first = alarm('singleMetric');
    const again = alarm('singleMetric', (s) => (s.id = 'another-id'));

    expect(contentKey(again)).toBe(contentKey(first));
  });

  it.each([
    ['state', (s: Sample) => ((s.detail.state as { value: string }).value = 'OK')],
    [
      'state timestamp',
      (s: Sample) => ((s.detail.state as { timestamp: string }).timestamp = '2026-11-30T04:00:00.000+0000'),
    ],
    ['alarm', (s: Sample) => (s.detail.alarmName = 'gitlab-runners-autopilot-other')],
  ])('differs when the %s differs', (_what, patch) => {
    expect(contentKey(alarm('singleMetric', patch))).not.toBe(contentKey(alarm('singleMetric')));
  });

  it.each([
    [bakeFailed(), 'bake|'],
    [rolloutFailed(), 'rollout|jobs-docker|c-3f9a1b7e2d|canary-testing|rejected'],
    [configApplyFailed(), 'config|manager|a-7e6d5c4b3a|failed-restored'],
    [configDriftDetected(), `drift|manager|a-drift-2026-11-30|${MANAGER_INSTANCE}`],
  ])('keys our event %#  by what it reports, not its id', (sample, prefix) => {
    expect(contentKey(parse(sample))).toContain(prefix);
    expect(contentKey(parse({ ...sample, id: 'other' }))).toBe(contentKey(parse(sample)));
  });
});

describe('alarmTime', () => {
  it("reads CloudWatch's +0000 offset", () => {
    expect(alarmTime('2026-11-30T03:15:00.130+0000')).toBe('2026-11-30T03:15:00.130Z');
  });

  it('keeps a timestamp it cannot read as it is', () => {
    expect(alarmTime('not a time')).toBe('not a time');
  });
});

describe('decideAlert: alarms', () => {
  const firing = alarm('singleMetric');
  const ok = alarm('singleMetricOk');
  const sentAlarm = (minutesAgo: number, overrides: Partial<AlarmMemory> = {}): AlarmMemory => ({
    lastTransitionAt: '2026-11-30T02:00:00.000Z',
    lastSentKey: 'earlier',
    lastSentState: 'ALARM',
    lastAlarmSentAt: new Date(NOW.getTime() - minutesAgo * MINUTE).toISOString(),
    held: 0,
    ...overrides,
  });

  it('sends the first ALARM and remembers it was sent', () => {
    const decision = decideAlert(firing, undefined, SETTINGS, NOW);

    expect(decision).toEqual({
      kind: 'send',
      status: 'firing',
      held: 0,
      memory: {
        lastTransitionAt: '2026-11-30T03:15:00.130Z',
        lastSentKey: contentKey(firing),
        lastSentState: 'ALARM',
        lastAlarmSentAt: NOW.toISOString(),
        held: 0,
      },
    });
  });

  it('sends "resolved" when an alarm that was sent returns to OK', () => {
    const decision = decideAlert(ok, sentAlarm(10), SETTINGS, NOW);

    expect(decision).toMatchObject({ kind: 'send', status: 'resolved', memory: { lastSentState: 'OK' } });
  });

  it('holds an OK when no ALARM was sent before it', () => {
    expect(decideAlert(ok, undefined, SETTINGS, NOW)).toMatchObject({
      kind: 'suppress',
      reason: 'ok-without-alarm',
    });
  });

  it('rate-limits an ALARM within rateLimitMinutes of the last one sent, and counts it', () => {
    const memory = sentAlarm(10, { lastSentState: 'OK' });

    const decision = decideAlert(firing, memory, SETTINGS, NOW);

    expect(decision).toMatchObject({ kind: 'suppress', reason: 'rate-limited', memory: { held: 1 } });
  });

  it('sends the next ALARM after the rate limit, reporting what was held back', () => {
    const memory = sentAlarm(31, { lastSentState: 'OK', held: 3 });

    expect(decideAlert(firing, memory, SETTINGS, NOW)).toMatchObject({
      kind: 'send',
      status: 'firing',
      held: 3,
    });
  });

  it('holds an ALARM when the receivers already believe it is in ALARM', () => {
    expect(decideAlert(firing, sentAlarm(120), SETTINGS, NOW)).toMatchObject({
      kind: 'suppress',
      reason: 'already-alerted',
    });
  });

  it('holds INSUFFICIENT_DATA', () => {
    const noData = alarm(
      'singleMetric',
      (s) => ((s.detail.state as { value: string }).value = 'INSUFFICIENT_DATA'),
    );

    expect(decideAlert(noData, undefined, SETTINGS, NOW)).toMatchObject({
      kind: 'suppress',
      reason: 'insufficient-data',
    });
  });

  it('holds a change older than the newest one handled (late delivery)', () => {
    const memory = sentAlarm(5, { lastTransitionAt: '2026-11-30T03:20:00.000Z', lastSentState: 'OK' });

    expect(decideAlert(firing, memory, SETTINGS, NOW)).toEqual({ kind: 'suppress', reason: 'stale' });
  });

  it('decides "send" again, without new memory, for a change it already decided to send (a retry)', () => {
    const first = decideAlert(firing, undefined, SETTINGS, NOW);

    const retry = decideAlert(firing, first.memory, SETTINGS, new Date(NOW.getTime() + MINUTE));

    expect(retry).toEqual({ kind: 'send', status: 'firing', held: 0 });
  });
});

describe('decideAlert: Bake Failed', () => {
  const failed = parse(bakeFailed());
  const streak = (hoursAgo: number, failures = 1): BakeStreak => ({
    firstFailureAt: new Date(NOW.getTime() - hoursAgo * 60 * MINUTE).toISOString(),
    failures,
    lastSentKey: 'bake|earlier',
  });

  it('sends the first failure of a pipeline', () => {
    expect(decideAlert(failed, undefined, SETTINGS, NOW)).toMatchObject({
      kind: 'send',
      held: 0,
      memory: { firstFailureAt: NOW.toISOString(), failures: 1, lastSentKey: contentKey(failed) },
    });
  });

  it('holds the next nights within bakeFailureWindowHours of the first: one alert, not one a night', () => {
    expect(decideAlert(failed, streak(24), SETTINGS, NOW)).toEqual({
      kind: 'suppress',
      reason: 'repeated-bake-failure',
      memory: { ...streak(24), failures: 2, lastFailureAt: failed.time },
    });
  });

  it('sends again once the window has passed, counting the failures in between', () => {
    expect(decideAlert(failed, streak(73, 3), SETTINGS, NOW)).toMatchObject({ kind: 'send', held: 2 });
  });

  it('keys the streak per pipeline', () => {
    expect(memoryKey(failed)).toBe('BAKE#jobs');
    expect(memoryKey(parse(bakeFailed({ pipeline: 'manager' })))).toBe('BAKE#manager');
  });

  it('remembers the newest failure time of the streak', () => {
    const first = decideAlert(failed, undefined, SETTINGS, NOW);
    const later = parse({ ...bakeFailed({ imageArn: 'image/next' }), time: '2026-12-01T02:41:07Z' });

    expect(first.memory).toMatchObject({ lastFailureAt: failed.time });
    expect(decideAlert(later, first.memory, SETTINGS, NOW).memory).toMatchObject({
      failures: 2,
      lastFailureAt: '2026-12-01T02:41:07Z',
    });
  });

  it('starts a new streak, and sends, after a success ended the last one', () => {
    const ended: BakeStreak = { ...streak(24, 3), endedAt: '2026-11-29T02:48:13Z', endedBy: 'image/x' };

    expect(decideAlert(failed, ended, SETTINGS, NOW)).toEqual({
      kind: 'send',
      status: 'firing',
      held: 0,
      memory: {
        firstFailureAt: NOW.toISOString(),
        failures: 1,
        lastSentKey: contentKey(failed),
        lastFailureAt: failed.time,
      },
    });
  });

  it('holds a failure older than the success that ended the streak (a late delivery)', () => {
    const ended: BakeStreak = { ...streak(24), endedAt: '2026-11-30T03:00:00Z' };

    expect(decideAlert(failed, ended, SETTINGS, NOW)).toEqual({ kind: 'suppress', reason: 'stale' });
  });

  it('still sends a retry of the failure it announced, even once the streak ended', () => {
    const ended: BakeStreak = {
      ...streak(1),
      lastSentKey: contentKey(failed),
      endedAt: '2026-11-30T03:00:00Z',
    };

    expect(decideAlert(failed, ended, SETTINGS, NOW)).toEqual({ kind: 'send', status: 'firing', held: 0 });
  });
});

describe('decideImageReady', () => {
  const success = ready();
  const active: BakeStreak = {
    firstFailureAt: '2026-11-30T03:15:05.000Z',
    failures: 2,
    lastSentKey: 'bake|earlier',
    lastFailureAt: '2026-11-30T02:41:07Z',
  };

  it('shares the pipeline memory of Bake Failed', () => {
    expect(memoryKey(success)).toBe('BAKE#jobs');
    expect(memoryKey(ready({ pipeline: 'manager' }))).toBe('BAKE#manager');
  });

  it("ends the pipeline's streak, marking it ended by this image", () => {
    expect(decideImageReady(success, active)).toEqual({
      kind: 'record',
      outcome: 'streak-reset',
      failures: 2,
      memory: { ...active, endedAt: success.time, endedBy: success.detail.imageArn },
    });
  });

  it('has nothing to do without a streak', () => {
    expect(decideImageReady(success, undefined)).toEqual({ kind: 'record', outcome: 'nothing-to-do' });
  });

  it('is idempotent: a redelivery (or a second success) finds the streak ended', () => {
    const once = decideImageReady(success, active);

    expect(decideImageReady(success, once.memory)).toEqual({ kind: 'record', outcome: 'nothing-to-do' });
    expect(decideImageReady(ready({}, '2026-12-02T02:48:13Z'), once.memory)).toEqual({
      kind: 'record',
      outcome: 'nothing-to-do',
    });
  });

  it('leaves a streak alone whose newest failure came after the success (a late redelivery)', () => {
    expect(decideImageReady(ready({}, '2026-11-30T01:00:00Z'), active)).toEqual({
      kind: 'record',
      outcome: 'nothing-to-do',
    });
  });

  it('ends a streak stored before failure times were kept', () => {
    const old: BakeStreak = { ...active, lastFailureAt: undefined };

    expect(decideImageReady(success, old)).toMatchObject({ outcome: 'streak-reset' });
  });

  it('fails Monday (sent), succeeds Tuesday (reset), fails Wednesday (sent again)', () => {
    const monday = parse(bakeFailed({ imageArn: 'image/mon' }));
    const mondayAt = at('2026-11-30T02:41:10Z');
    const tuesday = ready({}, '2026-12-01T02:48:13Z');
    const wednesday = parse({
      ...bakeFailed({ imageArn: 'image/wed' }),
      id: 'wednesday',
      time: '2026-12-02T02:41:07Z',
    });
    const wednesdayAt = at('2026-12-02T02:41:10Z');

    const mon = decideAlert(monday, undefined, SETTINGS, mondayAt);
    const tue = decideImageReady(tuesday, mon.memory as BakeStreak);
    const wed = decideAlert(wednesday, tue.memory, SETTINGS, wednesdayAt);

    expect(mon).toMatchObject({ kind: 'send', held: 0 });
    expect(tue).toMatchObject({ kind: 'record', outcome: 'streak-reset', failures: 1 });
    expect(wed).toMatchObject({
      kind: 'send',
      status: 'firing',
      held: 0,
      memory: { firstFailureAt: wednesdayAt.toISOString(), failures: 1, lastSentKey: contentKey(wednesday) },
    });
    // Without Tuesday's success, Wednesday is part of Monday's streak.
    expect(decideAlert(wednesday, mon.memory, SETTINGS, wednesdayAt)).toMatchObject({
      kind: 'suppress',
      reason: 'repeated-bake-failure',
    });
  });
});

describe('decideAlert: other failure events', () => {
  it.each([rolloutFailed(), configApplyFailed(), configDriftDetected()])(
    'always sends (%#), keeping no memory',
    (sample) => {
      const event = parse(sample);

      expect(memoryKey(event)).toBeUndefined();
      expect(decideAlert(event, undefined, SETTINGS, NOW)).toEqual({
        kind: 'send',
        status: 'firing',
        held: 0,
      });
    },
  );
});

describe('decideAlert properties', () => {
  const step = fc.record({
    value: fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA'),
    gapMinutes: fc.integer({ min: 0, max: 90 }),
    /** A redelivery of the previous change, instead of a new one. */
    redeliver: fc.boolean(),
  });

  /** Plays a sequence of state changes of one alarm through decide, threading its memory. */
  const play = (steps: { value: string; gapMinutes: number; redeliver: boolean }[]) => {
    let memory: Memory | undefined;
    let clock = at('2026-11-30T00:00:00Z').getTime();
    let previous: AlarmStateChange | undefined;
    const sent: { status: string; atMs: number }[] = [];
    const decisions: string[] = [];
    for (const s of steps) {
      clock += s.gapMinutes * MINUTE + 1000;
      const event =
        s.redeliver && previous
          ? previous
          : alarm('singleMetric', (e) => {
              (e.detail.state as { value: string }).value = s.value;
              (e.detail.state as { timestamp: string }).timestamp = new Date(clock).toISOString();
            });
      const decision = decideAlert(event, memory, SETTINGS, new Date(clock));
      if (decision.memory) memory = decision.memory;
      decisions.push(decision.kind);
      // A redelivery is a retry of the same message: only new sends count.
      if (decision.kind === 'send' && !(s.redeliver && previous))
        sent.push({ status: decision.status, atMs: clock });
      previous = event;
    }
    return { sent, decisions };
  };

  it('never throws and is deterministic', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        expect(play(steps)).toEqual(play(steps));
      }),
    );
  });

  it('alternates firing and resolved, starting with firing: no resolved without an alarm sent', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        play(steps).sent.forEach((m, i) => expect(m.status).toBe(i % 2 === 0 ? 'firing' : 'resolved'));
      }),
    );
  });

  it('sends at most one firing message per rateLimitMinutes', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const firings = play(steps).sent.filter((m) => m.status === 'firing');
        firings.slice(1).forEach((m, i) => {
          expect(m.atMs - firings[i]!.atMs).toBeGreaterThanOrEqual(SETTINGS.rateLimitMinutes * MINUTE);
        });
      }),
    );
  });
});
