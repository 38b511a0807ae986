import fc from 'fast-check';

import {
  lintRunnerConfig,
  RULES,
  type Finding,
  type LintOptions,
  type Rule,
} from '../../../../functions/shared/runner-config/lint';

/** A clean config: two instance runners, each on its own group. Cases edit it. */
const runner = (name: string, id: number) => `
[[runners]]
  name = "${name}"
  url = "https://gitlab.example.com"
  id = ${id}
  token = "secret:/p/${name}"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws:latest"
    capacity_per_instance = 1
    max_instances = 4
    max_use_count = 5
    [runners.autoscaler.plugin_config]
      name = "asg-${name}"
    [runners.autoscaler.connector_config]
      username = "ubuntu"
    [[runners.autoscaler.policy]]
      periods = ["* * * * *"]
      idle_count = 1
      idle_time = "10m"
`;
const BASE = `concurrent = 8\nlisten_address = ":9252"\n${runner('alpha', 1)}${runner('beta', 2)}`;

/** Applies `[find, replace]` edits (first occurrence each); `#<` marks the line a finding must name. */
const edit = (edits: readonly (readonly [string, string])[]): { text: string; line: number } => {
  let text = BASE;
  for (const [find, replace] of edits) {
    if (!text.includes(find)) throw new Error(`case edit not found: ${find}`);
    text = text.replace(find, replace);
  }
  const line = text.split('\n').findIndex((l) => l.includes('#<')) + 1;
  return { text, line };
};

interface Case {
  rule: Rule;
  title: string;
  edits: (readonly [string, string])[];
  severity?: Finding['severity'];
  options?: LintOptions;
  /** A phrase of the message (what to fix). */
  says?: RegExp;
}

const POLICY = '[[runners.autoscaler.policy]]';
const CASES: Case[] = [
  { rule: 'toml-syntax', title: 'a key without a value', edits: [['concurrent = 8', 'concurrent = #<']] },
  {
    rule: 'toml-syntax',
    title: 'an unquoted string',
    edits: [['plugin = "aws:latest"', 'plugin = aws:latest #<']],
  },
  {
    rule: 'unknown-key',
    title: 'a misspelled policy key',
    edits: [['idle_count = 1', 'idle_cont = 1 #<']],
    says: /did you mean "idle_count"/,
  },
  {
    rule: 'unknown-key',
    title: 'a misspelled top-level key',
    edits: [['listen_address', 'concurent = 8 #<\nlisten_address']],
    says: /did you mean "concurrent"/,
  },
  {
    rule: 'unknown-key',
    title: 'a cache key in the wrong case',
    edits: [
      [
        'executor = "instance"',
        'executor = "instance"\n  [runners.cache]\n    Type = "s3"\n    [runners.cache.s3]\n      bucketname = "b" #<',
      ],
    ],
    says: /did you mean "BucketName"/,
  },
  {
    rule: 'unknown-key',
    title: 'a key fleeting-plugin-aws does not document',
    edits: [['name = "asg-alpha"', 'name = "asg-alpha"\n      regoin = "us-east-2" #<']],
    severity: 'warning',
    says: /did you mean "region"/,
  },
  {
    rule: 'deprecated-key',
    title: 'a removed clone script',
    edits: [['executor = "instance"', 'executor = "instance"\n  pre_clone_script = "true" #<']],
    severity: 'error',
    says: /pre_get_sources_script/,
  },
  {
    rule: 'deprecated-key',
    title: 'a url ending with /ci',
    edits: [['url = "https://gitlab.example.com"', 'url = "https://gitlab.example.com/ci" #<']],
    severity: 'warning',
  },
  {
    rule: 'wrong-type',
    title: 'a quoted integer',
    edits: [['max_instances = 4', 'max_instances = "4" #<']],
    says: /must be an integer/,
  },
  {
    rule: 'wrong-type',
    title: 'a bare-number duration',
    edits: [['idle_time = "10m"', 'idle_time = 600 #<']],
    severity: 'warning',
    says: /"30s"/,
  },
  {
    rule: 'invalid-value',
    title: 'an executor that does not exist',
    edits: [['executor = "instance"', 'executor = "docker+autoscaler" #<']],
    says: /docker-autoscaler/,
  },
  { rule: 'invalid-value', title: 'concurrent 0', edits: [['concurrent = 8', 'concurrent = 0 #<']] },
  {
    rule: 'invalid-value',
    title: 'an invalid label name',
    edits: [['concurrent = 8', 'concurrent = 8\n[labels]\n  x = "y" #<']],
  },
  {
    rule: 'missing-key',
    title: 'a runner without url',
    edits: [
      ['[[runners]]', '[[runners]] #<'],
      ['  url = "https://gitlab.example.com"\n', ''],
    ],
  },
  {
    rule: 'listen-address',
    title: 'metrics on another port',
    edits: [['listen_address = ":9252"', 'listen_address = "0.0.0.0:9100" #<']],
    says: /listen_address = "0\.0\.0\.0:9100", but .*: set listen_address = ":9252"$/,
  },
  {
    rule: 'listen-address',
    title: 'no listen_address',
    edits: [
      ['concurrent = 8', 'concurrent = 8 #<'],
      ['listen_address = ":9252"\n', ''],
    ],
    says: /^no listen_address, .*: add listen_address = ":9252" before the first table$/,
  },
  {
    rule: 'missing-section',
    title: 'a docker-autoscaler runner without [runners.docker]',
    edits: [['executor = "instance"', 'executor = "docker-autoscaler" #<']],
    says: /\[runners\.docker\]/,
  },
  {
    rule: 'missing-section',
    title: 'an instance runner without [runners.autoscaler]',
    edits: [
      ['executor = "instance"', 'executor = "instance" #<'],
      // every autoscaler table of the first runner becomes an unchecked section
      ...Array.from({ length: 4 }, () => ['runners.autoscaler', 'runners.kubernetes'] as const),
    ],
  },
  { rule: 'missing-plugin', title: 'an empty plugin', edits: [['plugin = "aws:latest"', 'plugin = "" #<']] },
  {
    rule: 'missing-plugin',
    title: 'no plugin key',
    edits: [
      ['[runners.autoscaler]', '[runners.autoscaler] #<'],
      ['    plugin = "aws:latest"\n', ''],
    ],
  },
  {
    rule: 'missing-asg-name',
    title: 'plugin_config without name',
    edits: [
      ['[runners.autoscaler.plugin_config]', '[runners.autoscaler.plugin_config] #<'],
      ['name = "asg-alpha"', 'profile = "default"'],
    ],
  },
  {
    rule: 'unknown-job-group',
    title: "a group that is not one of the fleet's job groups",
    edits: [['name = "asg-beta"', 'name = "asg-beta" #<']],
    options: { jobGroups: ['asg-alpha'] },
  },
  {
    rule: 'missing-docker-image',
    title: 'a docker-autoscaler runner without image',
    edits: [
      [
        'executor = "instance"',
        'executor = "docker-autoscaler"\n  [runners.docker] #<\n    privileged = false',
      ],
    ],
  },
  {
    rule: 'cron-periods',
    title: 'a period with 4 fields',
    edits: [['periods = ["* * * * *"]', 'periods = ["* * * *"] #<']],
    says: /5-field/,
  },
  {
    rule: 'cron-periods',
    title: 'a period with 6 fields',
    edits: [['periods = ["* * * * *"]', 'periods = ["* * * * *", "0 * * * * *"] #<']],
  },
  {
    rule: 'cron-periods',
    title: 'a minute out of range',
    edits: [['periods = ["* * * * *"]', 'periods = ["61 * * * *"] #<']],
  },
  {
    rule: 'policy-timezone',
    title: 'a timezone that does not exist',
    edits: [['idle_time = "10m"', 'idle_time = "10m"\n      timezone = "Mars/Olympus" #<']],
  },
  {
    rule: 'policy-order',
    title: 'a catch-all after a narrower policy',
    edits: [
      [POLICY, `${POLICY} #<\n      periods = ["* 8-18 * * mon-fri"]\n      idle_count = 2\n    ${POLICY}`],
    ],
    says: /catch-all policy first/,
  },
  {
    rule: 'policy-order',
    title: 'a policy without periods (a catch-all) after a narrower one',
    edits: [
      [
        'periods = ["* * * * *"]',
        'periods = ["* * * * *"]\n    [[runners.autoscaler.policy]] #<\n      periods = ["* 1 * * *"]\n    [[runners.autoscaler.policy]]\n      timezone = "UTC"',
      ],
    ],
  },
  {
    rule: 'policy-order',
    title: 'the same periods twice',
    edits: [
      [
        'periods = ["* * * * *"]',
        `periods = ["* * * * *"]\n    ${POLICY} #<\n      periods = ["* 8-18 * * *"]\n    ${POLICY}\n      periods = ["* 8-18 * * *", "* 20 * * *"]`,
      ],
    ],
    says: /narrower policy last/,
  },
  {
    rule: 'policy-gap',
    title: 'no catch-all policy',
    edits: [
      [POLICY, `${POLICY} #<`],
      ['periods = ["* * * * *"]', 'periods = ["* 8-18 * * *"]'],
    ],
  },
  {
    rule: 'idle-count-unreachable',
    title: 'idle_count above max_instances * capacity_per_instance',
    edits: [['idle_count = 1', 'idle_count = 5 #<']],
    says: /job slots/,
  },
  {
    rule: 'concurrent-too-low',
    title: 'concurrent below the sum of the runners',
    edits: [['concurrent = 8', 'concurrent = 7 #<']],
    says: /concurrent = 8/,
  },
  {
    rule: 'concurrent-too-low',
    title: 'concurrent below a runner limit',
    edits: [
      ['concurrent = 8', 'concurrent = 3 #<'],
      ['max_instances = 4', 'max_instances = 0'],
      ['executor = "instance"', 'executor = "instance"\n  limit = 2'],
    ],
    says: /concurrent = 6/,
  },
  {
    rule: 'max-use-count-unlimited',
    title: 'max_use_count 0',
    edits: [['max_use_count = 5', 'max_use_count = 0 #<']],
  },
  { rule: 'runner-id-missing', title: 'id 0', edits: [['id = 1', 'id = 0 #<']] },
  {
    rule: 'runner-id-missing',
    title: 'no id',
    edits: [
      ['[[runners]]', '[[runners]] #<'],
      ['  id = 1\n', ''],
    ],
  },
  {
    rule: 'connector-username',
    title: 'no connector user',
    edits: [
      ['[runners.autoscaler]', '[runners.autoscaler] #<'],
      ['username = "ubuntu"', 'use_external_addr = false'],
    ],
  },
  {
    rule: 'shared-asg',
    title: 'two runners on one group',
    edits: [['name = "asg-beta"', 'name = "asg-alpha" #<']],
    says: /its own ASG/,
  },
  {
    rule: 'duplicate-runner-name',
    title: 'two runners with one name',
    edits: [['name = "beta"', 'name = "alpha" #<']],
  },
  { rule: 'duplicate-runner-id', title: 'two runners with one id', edits: [['id = 2', 'id = 1 #<']] },
  {
    rule: 'static-s3-keys',
    title: 'static keys for an AWS bucket',
    edits: [
      [
        'executor = "instance"',
        'executor = "instance"\n  [runners.cache]\n    Type = "s3"\n    [runners.cache.s3]\n      BucketName = "b"\n      AccessKey = "secret:/p/ak" #<\n      SecretKey = "secret:/p/sk"',
      ],
    ],
    says: /AuthenticationType = "iam"/,
  },
  {
    rule: 'secret-inline',
    title: 'a literal runner token',
    edits: [['token = "secret:/p/alpha"', 'token = "glrt-abcdef" #<']],
    says: /secureParameter/,
  },
  {
    rule: 'secret-inline',
    title: 'literal registry auth',
    edits: [['executor = "instance"', 'executor = "instance"\n  environment = ["DOCKER_AUTH_CONFIG={}"] #<']],
  },
  {
    rule: 'secret-inline',
    title: 'registry auth JSON with a literal auth',
    edits: [
      [
        'executor = "instance"',
        `executor = "instance"\n  environment = ['DOCKER_AUTH_CONFIG={"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}'] #<`,
      ],
    ],
  },
  {
    rule: 'unresolved-placeholder',
    title: 'a placeholder in a string',
    edits: [['url = "https://gitlab.example.com"', 'url = "${gitlab_url}" #<']],
    says: /values file/,
  },
  {
    rule: 'unresolved-placeholder',
    title: 'a placeholder that breaks the syntax',
    edits: [['id = 1', 'id = ${alpha_id} #<']],
  },
  {
    rule: 'terraform-expression',
    title: 'a Terraform function call',
    edits: [['executor = "instance"', 'executor = "instance"\n  environment = ${jsonencode(job_env)} #<']],
    says: /render it in Terraform first or replace it with a placeholder/,
  },
];

/** Gives the first runner `lines` right after its executor; returns the text and their first line. */
const withRunnerLines = (lines: string): { text: string; line: number } => {
  // A replacer function: a replacement string would read `$$` as one `$`.
  const text = BASE.replace('executor = "instance"', () => `executor = "instance"\n${lines}`);
  return { text, line: text.split('\n').findIndex((l) => l === lines.split('\n')[0]) + 1 };
};
const TERRAFORM_HINT =
  "this template's placeholders are `${name}` filled from the values file: render it in Terraform first or replace it with a placeholder";

describe('lintRunnerConfig', () => {
  it('finds nothing in the clean base config', () => {
    expect(lintRunnerConfig(BASE)).toEqual([]);
  });

  it.each(CASES.map((c) => [c.rule, c.title, c] as const))('%s: %s', (_rule, _title, c) => {
    const { text, line } = edit(c.edits);

    const findings = lintRunnerConfig(text, c.options);

    const hits = findings.filter((f) => f.rule === c.rule);
    expect(hits).toContainEqual(expect.objectContaining({ line, severity: c.severity ?? RULES[c.rule][0] }));
    if (c.says) expect(hits.map((f) => f.message).join('\n')).toMatch(c.says);
  });

  it("has a case for every rule (parameter-size is the CLI's)", () => {
    const covered = new Set<string>([...CASES.map((c) => c.rule), 'parameter-size']);

    expect(Object.keys(RULES).filter((r) => !covered.has(r))).toEqual([]);
  });

  it('counts concurrent as 1 when it is missing', () => {
    const findings = lintRunnerConfig(BASE.replace('concurrent = 8\n', ''));

    expect(findings).toContainEqual(
      expect.objectContaining({
        rule: 'concurrent-too-low',
        line: 1,
        message: expect.stringMatching(/default/),
      }),
    );
  });

  it('accepts a literal token when the text was rendered with real secrets', () => {
    const { text } = edit([['token = "secret:/p/alpha"', 'token = "glrt-abcdef"']]);

    expect(lintRunnerConfig(text, { secretsResolved: true })).toEqual([]);
  });

  it("ignores the runner's own ${slot} in slot_cgroup_template and placeholders in comments", () => {
    const text = BASE.replace(
      'executor = "instance"',
      'executor = "instance"\n  # uses ${slot}\n  slot_cgroup_template = "gitlab-runner/slot-${slot}"',
    );

    expect(lintRunnerConfig(text)).toEqual([]);
  });

  describe('listen_address', () => {
    it.each([':9252', '0.0.0.0:9252', '[::]:9252', '127.0.0.1:9252', 'localhost:9252'])(
      'accepts %s, which answers at 127.0.0.1:9252',
      (address) => {
        expect(lintRunnerConfig(BASE.replace('":9252"', `"${address}"`))).toEqual([]);
      },
    );

    it.each(['0.0.0.0:9100', ':9100', '10.0.0.5:9252', '[::1]:9252', '9252', ''])(
      'reports "%s" on its line, naming the value and the fix',
      (address) => {
        const findings = lintRunnerConfig(BASE.replace('":9252"', `"${address}"`));

        expect(findings).toEqual([
          {
            severity: 'error',
            line: 2,
            rule: 'listen-address',
            message: `listen_address = "${address}", but the health checks and the metrics agent read the runner's metrics at 127.0.0.1:9252, so config applies fail their health check and no runner metrics reach CloudWatch: set listen_address = ":9252"`,
          },
        ]);
      },
    );

    it('reports a missing listen_address on line 1: the runner then serves no metrics', () => {
      const findings = lintRunnerConfig(BASE.replace('listen_address = ":9252"\n', ''));

      expect(findings).toEqual([
        {
          severity: 'error',
          line: 1,
          rule: 'listen-address',
          message: `no listen_address, so the runner serves no metrics, but the health checks and the metrics agent read the runner's metrics at 127.0.0.1:9252, so config applies fail their health check and no runner metrics reach CloudWatch: add listen_address = ":9252" before the first table`,
        },
      ]);
    });

    it('leaves a listen_address of the wrong type to the type check', () => {
      const findings = lintRunnerConfig(BASE.replace('listen_address = ":9252"', 'listen_address = 9252'));

      expect(findings.map((f) => f.rule)).toEqual(['wrong-type']);
    });
  });

  describe('secrets from placeholders', () => {
    it.each([
      [
        'a placeholder left unfilled',
        '"DOCKER_AUTH_CONFIG=${docker_auth_config}"',
        ['unresolved-placeholder'],
      ],
      ['a placeholder rendered from its parameter', '"DOCKER_AUTH_CONFIG=secret:/p/registry-auth"', []],
      [
        'JSON whose auth is a placeholder',
        `'DOCKER_AUTH_CONFIG={"auths":{"registry.example.com":{"auth":"\${registry_auth}"}}}'`,
        ['unresolved-placeholder'],
      ],
      [
        'JSON whose auth is rendered from its parameter',
        `'DOCKER_AUTH_CONFIG={"auths":{"registry.example.com":{"auth":"secret:/p/registry-auth"}}}'`,
        [],
      ],
    ])('does not report DOCKER_AUTH_CONFIG from %s as a literal secret', (_, entry, rules) => {
      const { text } = withRunnerLines(`  environment = [${entry}]`);

      expect(lintRunnerConfig(text).map((f) => f.rule)).toEqual(rules);
    });

    it.each([
      ['a literal auth', '{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}'],
      ['a literal password', '{"auths":{"registry.example.com":{"username":"u","password":"p4ss"}}}'],
      [
        'one literal auth beside a placeholder',
        '{"auths":{"a.example.com":{"auth":"${a_auth}"},"b.example.com":{"auth":"dXNlcjpwYXNz"}}}',
      ],
    ])('still reports DOCKER_AUTH_CONFIG with %s as a literal secret', (_, json) => {
      const { text, line } = withRunnerLines(`  environment = ['DOCKER_AUTH_CONFIG=${json}']`);

      expect(lintRunnerConfig(text)).toContainEqual(
        expect.objectContaining({ rule: 'secret-inline', line, severity: 'error' }),
      );
    });

    it('does not report a token from an unfilled placeholder as a literal secret', () => {
      const text = BASE.replace('token = "secret:/p/alpha"', 'token = "${alpha_token}"');

      expect(lintRunnerConfig(text).map((f) => f.rule)).toEqual(['unresolved-placeholder']);
    });
  });

  describe('Terraform expressions', () => {
    it.each([
      [
        'a function call that breaks the syntax',
        '  extra_hosts = ${jsonencode(extra_hosts)}',
        '${jsonencode(extra_hosts)}',
        'expression',
      ],
      [
        'a function call with nested braces',
        '  environment = ${jsonencode({ A = "b" })}',
        '${jsonencode({ A = "b" })}',
        'expression',
      ],
      ['a variable in a string', '  pre_build_script = "cd ${var.workdir}"', '${var.workdir}', 'expression'],
      [
        'a module output with spaces inside the braces',
        '  request_concurrency = ${ module.runner.concurrency }',
        '${ module.runner.concurrency }',
        'expression',
      ],
      ['an if directive', '%{ if enable_cache }', '%{ if enable_cache }', 'directive'],
      ['a trimmed for directive', '%{~ for host in hosts ~}', '%{~ for host in hosts ~}', 'directive'],
    ])('reports %s on its line, saying what to do', (_, lines, snippet, kind) => {
      const { text, line } = withRunnerLines(lines);

      const findings = lintRunnerConfig(text);

      expect(findings).toEqual([
        {
          severity: 'error',
          line,
          rule: 'terraform-expression',
          message: `\`${snippet}\` is a Terraform ${kind}; ${TERRAFORM_HINT}`,
        },
      ]);
    });

    it('says it in the words operators read: "line N: `${jsonencode(extra_hosts)}` is a Terraform expression"', () => {
      const { text, line } = withRunnerLines(
        '  [runners.docker]\n    extra_hosts = ${jsonencode(extra_hosts)}',
      );

      const [finding] = lintRunnerConfig(text);

      expect(`line ${finding?.line}: ${finding?.message}`).toBe(
        `line ${line + 1}: \`\${jsonencode(extra_hosts)}\` is a Terraform expression; ${TERRAFORM_HINT}`,
      );
    });

    it.each([
      [
        'shell expansions in a script',
        '  pre_build_script = "echo ${CI_JOB_ID:-none} ${files[0]} ${HOME} ${DIR-.}"',
      ],
      ['an escaped expression', '  pre_build_script = "echo $${jsonencode(x)} %%{ if x }"'],
      ['a comment', '  # was ${jsonencode(extra_hosts)} in Terraform'],
    ])('ignores %s', (_, lines) => {
      const { text } = withRunnerLines(lines);

      expect(lintRunnerConfig(text)).toEqual([]);
    });
  });

  it('reports a syntax error alone, on its line', () => {
    expect(lintRunnerConfig('a = 1\n[b\n')).toEqual([
      expect.objectContaining({ rule: 'toml-syntax', line: 2, severity: 'error' }),
    ]);
  });

  it('does not check the keys of sections the reference does not list', () => {
    const text = BASE.replace(
      'executor = "instance"',
      'executor = "instance"\n  [runners.kubernetes]\n    anything = 1',
    );

    expect(lintRunnerConfig(text)).toEqual([]);
  });

  it('sorts findings by line', () => {
    const { text } = edit([
      ['max_use_count = 5', 'max_use_count = 0'],
      ['id = 2', 'id = 0'],
      ['concurrent = 8', 'concurrent = 1'],
    ]);

    const lines = lintRunnerConfig(text).map((f) => f.line);

    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        expect(Array.isArray(lintRunnerConfig(text))).toBe(true);
      }),
    );
  });

  it('never throws on the base config with lines dropped or duplicated', () => {
    const lines = BASE.split('\n');
    fc.assert(
      fc.property(fc.array(fc.nat(lines.length - 1), { maxLength: 6 }), fc.boolean(), (picks, duplicate) => {
        const edited = duplicate
          ? lines.flatMap((l, i) => (picks.includes(i) ? [l, l] : [l]))
          : lines.filter((_, i) => !picks.includes(i));

        const findings = lintRunnerConfig(edited.join('\n'));

        expect(findings.every((f) => f.line >= 1 && f.line <= edited.length + 1)).toBe(true);
      }),
    );
  });
});
