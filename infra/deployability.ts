import { readFileSync } from 'node:fs';

import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';

/**
 * Limits that only show when CloudFormation, Lambda, IAM or Systems Manager refuse a deploy,
 * checked on the synthesized templates so that `cdk synth` fails first, naming the resource and
 * the limit. Values CloudFormation fills in at deploy time (ARNs, generated names) are counted at
 * an upper bound, so a template that passes here cannot fail there for its size.
 */

/** CloudFormation quotas: resources per stack, template body size (through S3). */
export const MAX_STACK_RESOURCES = 500;
export const MAX_TEMPLATE_BYTES = 1_048_576;
/** Lambda: all environment variables of a function together, keys and values. */
export const MAX_LAMBDA_ENVIRONMENT_BYTES = 4096;
/** IAM: a role's inline policies together, and one managed policy, in characters without whitespace. */
export const MAX_ROLE_INLINE_POLICY_CHARS = 10_240;
export const MAX_MANAGED_POLICY_CHARS = 6144;
/** Parameter Store: Standard 4 KB; Advanced (and Intelligent-Tiering, which turns Advanced) 8 KB. */
export const MAX_STANDARD_PARAMETER_BYTES = 4096;
export const MAX_ADVANCED_PARAMETER_BYTES = 8192;

/** Longest value of each pseudo parameter (partition `aws-us-gov`, region `ap-southeast-5`...). */
const PSEUDO_BOUNDS: Record<string, number> = {
  'AWS::AccountId': 12,
  'AWS::Region': 14,
  'AWS::Partition': 10,
  'AWS::URLSuffix': 16,
  'AWS::StackName': 128,
  // arn:aws-us-gov:cloudformation:<region>:<account>:stack/<128-character name>/<uuid>
  'AWS::StackId': 229,
  'AWS::NoValue': 0,
};
/**
 * Any other deploy-time value: a generated name or an ARN of this stack's own resources (roles
 * CDK creates have no path: at most 64 + 45 characters; generated table and queue names stay
 * under 256); 256 is the bound.
 */
export const DEPLOY_TIME_VALUE_BOUND = 256;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resource = { Type: string; Properties?: Record<string, Json> };
type Template = { Resources?: Record<string, Resource> };

export interface Finding {
  readonly rule: string;
  readonly resource: string;
  readonly message: string;
  readonly fix: string;
}

const asText = (value: Json): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** A value with every intrinsic replaced by placeholder text of its largest possible length. */
const atUpperBound = (value: Json): Json => {
  if (Array.isArray(value)) return value.map(atUpperBound);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = value[key]!;
    if (key === 'Ref' && typeof arg === 'string')
      return 'x'.repeat(PSEUDO_BOUNDS[arg] ?? DEPLOY_TIME_VALUE_BOUND);
    if (key === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) {
      const [separator, parts] = arg as [string, Json[]];
      return parts.map((p) => asText(atUpperBound(p))).join(separator);
    }
    if (key === 'Fn::Sub') {
      const text = typeof arg === 'string' ? arg : asText((arg as Json[])[0] ?? '');
      return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) =>
        'x'.repeat(PSEUDO_BOUNDS[name] ?? DEPLOY_TIME_VALUE_BOUND),
      );
    }
    if (key.startsWith('Fn::')) return 'x'.repeat(DEPLOY_TIME_VALUE_BOUND);
  }
  return Object.fromEntries(keys.map((k) => [k, atUpperBound(value[k]!)]));
};

const textLength = (value: Json): number => Buffer.byteLength(asText(atUpperBound(value)));

const lambdaEnvironments = (resources: Record<string, Resource>): Finding[] =>
  Object.entries(resources).flatMap(([id, r]) => {
    if (r.Type !== 'AWS::Lambda::Function') return [];
    const variables =
      (r.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {};
    const bytes = Object.entries(variables).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + textLength(v),
      0,
    );
    return bytes > MAX_LAMBDA_ENVIRONMENT_BYTES
      ? [
          {
            rule: 'lambda-environment-size',
            resource: id,
            message: `its environment holds up to ${bytes} bytes; Lambda refuses more than ${MAX_LAMBDA_ENVIRONMENT_BYTES} in total`,
            fix: 'pass static settings in the function config file (AutopilotFunction settings), keep only deploy-time names in the environment',
          },
        ]
      : [];
  });

const rolePolicies = (resources: Record<string, Resource>): Finding[] => {
  const inline = new Map<string, number>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Role') {
      const own = ((r.Properties?.Policies as { PolicyDocument: Json }[] | undefined) ?? []).reduce(
        (n, p) => n + textLength(p.PolicyDocument),
        0,
      );
      inline.set(id, (inline.get(id) ?? 0) + own);
    }
    if (r.Type === 'AWS::IAM::Policy') {
      const size = textLength(r.Properties?.PolicyDocument ?? {});
      for (const role of (r.Properties?.Roles as Json[] | undefined) ?? []) {
        const roleId = (role as { Ref?: string }).Ref;
        if (roleId) inline.set(roleId, (inline.get(roleId) ?? 0) + size);
      }
    }
  }
  const managed = Object.entries(resources).flatMap(([id, r]) => {
    if (r.Type !== 'AWS::IAM::ManagedPolicy') return [];
    const size = textLength(r.Properties?.PolicyDocument ?? {});
    return size > MAX_MANAGED_POLICY_CHARS
      ? [
          {
            rule: 'iam-managed-policy-size',
            resource: id,
            message: `its document holds up to ${size} characters; IAM refuses more than ${MAX_MANAGED_POLICY_CHARS}`,
            fix: 'split the statements over several managed policies',
          },
        ]
      : [];
  });
  return [
    ...[...inline].flatMap(([id, size]) =>
      size > MAX_ROLE_INLINE_POLICY_CHARS
        ? [
            {
              rule: 'iam-role-inline-policy-size',
              resource: id,
              message: `its inline policies hold up to ${size} characters; IAM refuses more than ${MAX_ROLE_INLINE_POLICY_CHARS} per role`,
              fix: 'scope statements by tag or prefix instead of listing every resource, or move them to a managed policy',
            },
          ]
        : [],
    ),
    ...managed,
  ];
};

const parameters = (resources: Record<string, Resource>): Finding[] =>
  Object.entries(resources).flatMap(([id, r]) => {
    if (r.Type !== 'AWS::SSM::Parameter') return [];
    const tier = (r.Properties?.Tier as string | undefined) ?? 'Standard';
    const limit = tier === 'Standard' ? MAX_STANDARD_PARAMETER_BYTES : MAX_ADVANCED_PARAMETER_BYTES;
    const bytes = textLength(r.Properties?.Value ?? '');
    return bytes > limit
      ? [
          {
            rule: 'ssm-parameter-size',
            resource: id,
            message: `its value is up to ${bytes} bytes; the ${tier} tier holds at most ${limit}`,
            fix: tier === 'Standard' ? 'use Intelligent-Tiering' : 'make the value smaller',
          },
        ]
      : [];
  });

interface DocumentParameter {
  readonly default?: Json;
  readonly allowedPattern?: string;
  readonly allowedValues?: Json[];
}

const documentDefaults = (resources: Record<string, Resource>): Finding[] =>
  Object.entries(resources).flatMap(([id, r]) => {
    if (r.Type !== 'AWS::SSM::Document') return [];
    const raw = r.Properties?.Content;
    const content = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
      parameters?: Record<string, DocumentParameter>;
    } | null;
    return Object.entries(content?.parameters ?? {}).flatMap(([name, p]) => {
      if (p.default === undefined) return [];
      const value = asText(p.default);
      const problems = [
        ...(p.allowedPattern !== undefined && !new RegExp(p.allowedPattern).test(value)
          ? [`does not match its allowedPattern ${p.allowedPattern}`]
          : []),
        ...(p.allowedValues !== undefined && !p.allowedValues.map(asText).includes(value)
          ? [`is not one of its allowedValues`]
          : []),
      ];
      return problems.map((problem) => ({
        rule: 'ssm-document-default',
        resource: id,
        message: `the default "${value}" of parameter ${name} ${problem}: SendCommand would refuse it (InvalidParameters)`,
        fix: 'make the default valid for its own definition',
      }));
    });
  });

/** Every limit above, for one synthesized template. */
export const deployabilityFindings = (template: Template): Finding[] => {
  const resources = template.Resources ?? {};
  const count = Object.keys(resources).length;
  const bytes = Buffer.byteLength(JSON.stringify(template));
  return [
    ...(count > MAX_STACK_RESOURCES
      ? [
          {
            rule: 'stack-resource-count',
            resource: '(stack)',
            message: `the stack has ${count} resources; CloudFormation refuses more than ${MAX_STACK_RESOURCES}`,
            fix: 'split the fleets over several deployments',
          },
        ]
      : []),
    ...(bytes > MAX_TEMPLATE_BYTES
      ? [
          {
            rule: 'stack-template-size',
            resource: '(stack)',
            message: `the template is ${bytes} bytes; CloudFormation refuses more than ${MAX_TEMPLATE_BYTES}`,
            fix: 'split the fleets over several deployments',
          },
        ]
      : []),
    ...lambdaEnvironments(resources),
    ...rolePolicies(resources),
    ...parameters(resources),
    ...documentDefaults(resources),
  ];
};

/** The checks as a CDK validation plugin: a finding fails `cdk synth` with its report. */
export class DeployabilityChecks implements IPolicyValidationPlugin {
  readonly name = 'runner-autopilot deployability';

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = context.stackTemplates.flatMap(({ templatePath }) =>
      deployabilityFindings(JSON.parse(readFileSync(templatePath, 'utf8')) as Template).map((f) => ({
        ruleName: f.rule,
        description: f.message,
        fix: f.fix,
        violatingResources: [{ resourceLogicalId: f.resource, templatePath, locations: [f.rule] }],
      })),
    );
    return { success: violations.length === 0, violations };
  }
}
