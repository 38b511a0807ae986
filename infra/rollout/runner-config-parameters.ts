import { readFileSync } from 'node:fs';

import { Annotations } from 'aws-cdk-lib';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parse } from 'smol-toml';

import { lintRunnerConfig } from '../../functions/shared/runner-config/lint';
import { configHash, parseValues, renderTemplate } from '../../functions/shared/runner-config/render';

export interface RunnerConfigParametersProps {
  readonly deployment: string;
  readonly fleet: string;
  /** config.toml template with `${name}` placeholders. */
  readonly templateFile: string;
  /** JSON values: literals, or `{ "secureParameter": "/path" }` for secrets. */
  readonly valuesFile: string;
  /** The job groups of this manager: each must be one runner's `plugin_config.name`. */
  readonly jobGroups: readonly string[];
  /**
   * Job groups whose fleet uses the `recycle` strategy: a graceful restart replaces their
   * instances only while the runner keeps no state across restarts.
   * @default - none
   */
  readonly recycledGroups?: readonly string[];
}

/** The Advanced tier's limit, the largest a parameter can ever hold (Parameter Store quotas). */
export const PARAMETER_MAX_BYTES = 8192;

/**
 * A manager fleet's config source in Parameter Store: template, values and, written last, the
 * manifest (their hash) whose change starts one apply. The template is linted at synth, so a
 * config with errors never reaches a deploy.
 */
export class RunnerConfigParameters extends Construct {
  readonly prefix: string;
  readonly manifest: StringParameter;
  readonly parameters: StringParameter[];

  constructor(scope: Construct, id: string, props: RunnerConfigParametersProps) {
    super(scope, id);
    this.prefix = `/runner-autopilot/${props.deployment}/${props.fleet}/config`;
    const template = readFileSync(props.templateFile, 'utf8');
    const values = parseValues(
      JSON.parse(readFileSync(props.valuesFile, 'utf8')) as unknown,
      props.valuesFile,
    );

    const rendered = renderTemplate(template, values);
    const findings = lintRunnerConfig(rendered.text, { jobGroups: props.jobGroups });
    const errors = [
      ...rendered.unresolved.map((name) => `placeholder \${${name}} has no value in ${props.valuesFile}`),
      ...findings
        .filter((f) => f.severity === 'error')
        .map((f) => `${props.templateFile}:${f.line}: ${f.rule}: ${f.message}`),
    ];
    errors.push(...keptAcrossRestarts(rendered.text, props.recycledGroups ?? []));
    if (errors.length > 0) {
      throw new Error(`runner config of fleet ${props.fleet} does not lint:\n  ${errors.join('\n  ')}`);
    }
    for (const warning of findings.filter((f) => f.severity === 'warning')) {
      Annotations.of(this).addWarningV2(
        `runner-autopilot:${warning.rule}`,
        `${props.templateFile}:${warning.line}: ${warning.message}`,
      );
    }

    const parameter = (name: string, value: string, source: string) => {
      const bytes = Buffer.byteLength(value);
      if (bytes > PARAMETER_MAX_BYTES) {
        throw new Error(
          `runner config of fleet ${props.fleet}: the ${name.toLowerCase()} (${source}) is ${bytes} bytes, over Parameter Store's limit of ${PARAMETER_MAX_BYTES} bytes (Advanced tier): shorten it, for example by moving repeated settings into values`,
        );
      }
      return new StringParameter(this, name, {
        parameterName: `${this.prefix}/${name.toLowerCase()}`,
        stringValue: value,
        // Intelligent-Tiering goes Advanced when a value needs it and never fails on the way
        // back: an Advanced parameter cannot be made Standard again, so a template that shrinks
        // under 4 KB would fail the next deploy with a fixed tier chosen from its size.
        tier: ParameterTier.INTELLIGENT_TIERING,
        description: `runner-autopilot: config.toml ${name.toLowerCase()} of manager fleet ${props.fleet}`,
      });
    };
    const templateParameter = parameter('Template', template, props.templateFile);
    const valuesParameter = parameter('Values', JSON.stringify(values), props.valuesFile);
    this.manifest = parameter('Manifest', JSON.stringify({ hash: configHash(template, values) }), 'its hash');
    // Written last: its change event starts the apply, which must never see half-written values.
    this.manifest.node.addDependency(templateParameter, valuesParameter);
    this.parameters = [templateParameter, valuesParameter, this.manifest];
  }
}

/**
 * Runners of recycled groups that keep their instances across restarts
 * (`[runners.autoscaler.state_storage] enabled = true`): a restart would not replace them.
 */
const keptAcrossRestarts = (text: string, recycledGroups: readonly string[]): string[] => {
  let parsed: {
    runners?: {
      autoscaler?: { plugin_config?: { name?: unknown }; state_storage?: { enabled?: unknown } };
    }[];
  };
  try {
    parsed = parse(text);
  } catch {
    return []; // the linter has reported the syntax error already
  }
  return (parsed.runners ?? []).flatMap((r) => {
    const group = r.autoscaler?.plugin_config?.name;
    return typeof group === 'string' &&
      recycledGroups.includes(group) &&
      r.autoscaler?.state_storage?.enabled === true
      ? [
          `the runner of group ${group} keeps its instances across restarts (state_storage), so rollout "recycle" would not replace them: use "natural" or turn state storage off`,
        ]
      : [];
  });
};
