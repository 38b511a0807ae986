import { SecretRef } from '../shared/schema-primitives';
import * as z from '../shared/zod';

/** The alert function's slice of the suite config (see `functions/shared/settings.ts`). */

export const ChatChannel = z.strictObject({
  kind: z.enum(['slack', 'mattermost', 'teams']),
  /** Unique among the channels: the metric dimension and the per-channel delivery record use it. */
  name: z.string().check(z.minLength(1)),
  /** Where the incoming webhook URL is kept: the URL is the credential. */
  url: SecretRef,
});
export type ChatChannel = z.infer<typeof ChatChannel>;

/**
 * Where a rate-limited alarm's re-check is scheduled: a one-time EventBridge Scheduler schedule in
 * `groupName` that invokes `targetArn` (this function, by its fixed name) through `roleArn`, with
 * undeliverable invocations sent to `deadLetterArn`.
 */
export const RecheckSettings = z.strictObject({
  targetArn: z.string().check(z.startsWith('arn:')),
  roleArn: z.string().check(z.startsWith('arn:')),
  groupName: z.string().check(z.minLength(1)),
  deadLetterArn: z.string().check(z.startsWith('arn:')),
});
export type RecheckSettings = z.infer<typeof RecheckSettings>;

export const AlertSettings = z
  .strictObject({
    deployment: z.string().check(z.minLength(1)),
    region: z.string().check(z.minLength(1)),
    topicArn: z.string().check(z.startsWith('arn:')),
    /** The table holding `ALERT#...` dedupe and rate-limit items (and the rollout ledger, read-only here). */
    stateTable: z.string().check(z.minLength(1)),
    /**
     * Names of the stack's alarms start with this (CloudFormation names them `<stack>-<id>-<suffix>`):
     * the part titles leave out.
     */
    alarmNamePrefix: z.string().check(z.minLength(1)),
    chat: z._default(z.array(ChatChannel), []),
    rateLimitMinutes: z.number().check(z.int(), z.minimum(1), z.maximum(1440)),
    /**
     * Re-checks of alarms whose ALARM the rate limit held back. The stack always sets it; without it
     * (a bare test config) nothing is scheduled and a warning is logged.
     */
    recheck: z.optional(RecheckSettings),
    bakeFailureWindowHours: z.number().check(z.int(), z.minimum(1), z.maximum(168)),
    /** Fleets by group and pipeline, to name the fleet of an alarm, an instance or a bake. */
    fleets: z._default(
      z.array(z.strictObject({ name: z.string(), autoScalingGroup: z.string(), pipeline: z.string() })),
      [],
    ),
  })
  .check(
    z.superRefine((s, ctx) => {
      const seen = new Set<string>();
      s.chat.forEach((c, i) => {
        if (seen.has(c.name))
          ctx.addIssue({
            code: 'custom',
            path: ['chat', i, 'name'],
            message: `duplicate chat channel "${c.name}"`,
          });
        seen.add(c.name);
      });
    }),
  );
export type AlertSettings = z.infer<typeof AlertSettings>;
