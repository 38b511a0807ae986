import { Cron } from 'croner';
import { z } from 'zod';

/** Zod building blocks shared by the suite config and the function slices that reuse its parts. */

export const name = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
    'use 2-32 lowercase letters, digits and dashes, starting with a letter',
  );

/** An instance user name as useradd accepts it. */
export const unixUser = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a valid Linux user name');

export const version = z.string().regex(/^\d+\.\d+\.\d+$/, 'use an exact version such as 1.2.3');

/** Five-field cron (minute hour day-of-month month day-of-week), as the runner's own `periods`. */
export const cronExpression = z.string().refine(
  (expr) => {
    if (expr.trim().split(/\s+/).length !== 5) return false;
    try {
      new Cron(expr, { paused: true });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a valid 5-field cron expression such as "0 2 * * *"' },
);

export const timeZone = z
  .string()
  .refine((tz) => tz === 'UTC' || Intl.supportedValuesOf('timeZone').includes(tz), {
    message: 'must be an IANA time zone such as "Europe/Berlin" or "UTC"',
  });

export const subnetId = z
  .string()
  .regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a subnet id such as subnet-0123456789abcdef0');

export const securityGroupId = z
  .string()
  .regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a security group id such as sg-0123456789abcdef0');

/**
 * An IAM role: its ARN (any path), or a bare name for a role at path `/`. IAM's own name rule:
 * up to 64 of letters, digits and `+=,.@_-`.
 */
export const iamRole = z
  .string()
  .regex(
    /^(arn:aws(-[a-z]+)*:iam::\d{12}:role\/([\w+=,.@-]+\/)*)?[\w+=,.@-]{1,64}$/,
    'must be an IAM role ARN such as arn:aws:iam::123456789012:role/runner-instance, or a role name',
  );

/** Where a secret lives: a SecureString parameter or a Secrets Manager secret. */
export const SecretRef = z.union([
  z.strictObject({ parameter: z.string().regex(/^\/[\w./-]+$/, 'must be a parameter path such as /a/b') }),
  z.strictObject({ secretsManager: z.string().min(1) }),
]);
export type SecretRef = z.infer<typeof SecretRef>;

/** Where a ref points, for messages: a name, never a value. */
export const describeSecretRef = (ref: SecretRef): string =>
  'parameter' in ref ? `parameter ${ref.parameter}` : `secret ${ref.secretsManager}`;
