import { RESERVED_NAME_MESSAGE, RESERVED_NAMES } from './known-keys';
import * as v from './valibot';

/**
 * The building blocks of a fleet's schema (also re-exported by `schema-primitives.ts`). Their own
 * module so the functions that parse fleets build only these at import, not the suite config's
 * other blocks.
 */

export const name = v.pipe(
  v.string(),
  v.regex(
    /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
    'use 2-32 lowercase letters, digits and dashes, starting with a letter',
  ),
  v.check((text) => !RESERVED_NAMES.includes(text), RESERVED_NAME_MESSAGE),
);

export const timeZone = v.pipe(
  v.string(),
  v.check(
    (tz) => tz === 'UTC' || Intl.supportedValuesOf('timeZone').includes(tz),
    'must be an IANA time zone such as "Europe/Berlin" or "UTC"',
  ),
);

export const subnetId = v.pipe(
  v.string(),
  v.regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a subnet id such as subnet-0123456789abcdef0'),
);

export const securityGroupId = v.pipe(
  v.string(),
  v.regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a security group id such as sg-0123456789abcdef0'),
);

/**
 * An IAM role: its ARN (any path), or a bare name for a role at path `/`. IAM's own name rule:
 * up to 64 of letters, digits and `+=,.@_-`.
 */
export const iamRole = v.pipe(
  v.string(),
  v.regex(
    /^(arn:aws(-[a-z]+)*:iam::\d{12}:role\/([\w+=,.@-]+\/)*)?[\w+=,.@-]{1,64}$/,
    'must be an IAM role ARN such as arn:aws:iam::123456789012:role/runner-instance, or a role name',
  ),
);
