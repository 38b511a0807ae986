import { SecretRef } from '../shared/schema-primitives';
import * as v from '../shared/valibot';

/** The alert function's slice of the suite config (see `functions/shared/settings.ts`). */

export const ChatChannel = v.strictObject({
  kind: v.picklist(['slack', 'mattermost', 'teams']),
  /** Unique among the channels: the metric dimension and the per-channel delivery record use it. */
  name: v.pipe(v.string(), v.minLength(1)),
  /** Where the incoming webhook URL is kept: the URL is the credential. */
  url: SecretRef,
});
export type ChatChannel = v.InferOutput<typeof ChatChannel>;

/**
 * Where a rate-limited alarm's re-check is scheduled: a one-time EventBridge Scheduler schedule in
 * `groupName` that invokes `targetArn` (this function, by its fixed name) through `roleArn`, with
 * undeliverable invocations sent to `deadLetterArn`.
 */
export const RecheckSettings = v.strictObject({
  targetArn: v.pipe(v.string(), v.startsWith('arn:')),
  roleArn: v.pipe(v.string(), v.startsWith('arn:')),
  groupName: v.pipe(v.string(), v.minLength(1)),
  deadLetterArn: v.pipe(v.string(), v.startsWith('arn:')),
});
export type RecheckSettings = v.InferOutput<typeof RecheckSettings>;

export const AlertSettings = v.pipe(
  v.strictObject({
    deployment: v.pipe(v.string(), v.minLength(1)),
    region: v.pipe(v.string(), v.minLength(1)),
    topicArn: v.pipe(v.string(), v.startsWith('arn:')),
    /** The table holding `ALERT#...` dedupe and rate-limit items (and the rollout ledger, read-only here). */
    stateTable: v.pipe(v.string(), v.minLength(1)),
    /**
     * Names of the stack's alarms start with this (CloudFormation names them `<stack>-<id>-<suffix>`):
     * the part titles leave out.
     */
    alarmNamePrefix: v.pipe(v.string(), v.minLength(1)),
    chat: v.optional(v.array(ChatChannel), []),
    rateLimitMinutes: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(1440)),
    /**
     * Re-checks of alarms whose ALARM the rate limit held back. The stack always sets it; without it
     * (a bare test config) nothing is scheduled and a warning is logged.
     */
    recheck: v.optional(RecheckSettings),
    bakeFailureWindowHours: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(168)),
    /** Fleets by group and pipeline, to name the fleet of an alarm, an instance or a bake. */
    fleets: v.optional(
      v.array(v.strictObject({ name: v.string(), autoScalingGroup: v.string(), pipeline: v.string() })),
      [],
    ),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const s = dataset.value;
    const seen = new Set<string>();
    s.chat.forEach((c, i) => {
      if (seen.has(c.name))
        addIssue({
          message: `duplicate chat channel "${c.name}"`,
          path: [
            { type: 'object', origin: 'value', input: s, key: 'chat', value: s.chat },
            { type: 'array', origin: 'value', input: s.chat, key: i, value: c },
            { type: 'object', origin: 'value', input: c, key: 'name', value: c.name },
          ],
        });
      seen.add(c.name);
    });
  }),
);
export type AlertSettings = v.InferOutput<typeof AlertSettings>;
