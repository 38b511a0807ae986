import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';

import { drainBoundSeconds } from '../../../functions/shared/rollout/commands';
import { drainCommandSeconds } from '../../../functions/shared/rollout/decide';
import { testApp } from '../../helpers/app';
import {
  type CommandDocumentContent,
  commandDocumentName,
  EMBED_DELIMITER,
  integerRangePattern,
  MAX_EXECUTION_TIMEOUT_SECONDS,
  nameListPattern,
  PARAMETER_PATTERNS,
  SSM_SCRIPT_DIR,
} from '../../../infra/ssm/documents';
import {
  DRAIN_MARGIN_SECONDS,
  MAX_DRAIN_TIMEOUT_SECONDS,
  MAX_HEALTH_WAIT_SECONDS,
  MIN_DRAIN_TIMEOUT_SECONDS,
  RolloutDocuments,
} from '../../../infra/rollout/documents';

interface DocumentResource {
  readonly Properties: {
    readonly Name: string;
    readonly DocumentType: string;
    readonly DocumentFormat: string;
    readonly TargetType: string;
    readonly UpdateMethod: string;
    readonly Content: CommandDocumentContent;
  };
}

const KEYS = [
  'smoke-jobs',
  'smoke-path',
  'smoke-manager',
  'drain-manager',
  'manager-health',
  'restart-manager',
  'apply-config',
] as const;
type Key = (typeof KEYS)[number];

const synth = (props: { deployment?: string; drainTimeoutSeconds?: number } = {}) => {
  const stack = new Stack(testApp(), 'Rollout', { env: { account: '123456789012', region: 'us-east-2' } });
  const documents = new RolloutDocuments(stack, 'Documents', {
    deployment: props.deployment ?? 'gitlab-runners',
    drainTimeoutSeconds: props.drainTimeoutSeconds ?? 7200,
  });
  const template = Template.fromStack(stack);
  const resources = Object.values(template.findResources('AWS::SSM::Document')) as DocumentResource[];
  const content = (key: Key): CommandDocumentContent => {
    const found = resources.find((r) => r.Properties.Name === `gitlab-runners-autopilot-${key}`);
    if (!found) throw new Error(`no document ${key}`);
    return found.Properties.Content;
  };
  return { documents, template, resources, content };
};

const script = (doc: CommandDocumentContent): string => doc.mainSteps[0].inputs.runCommand.join('\n');
const accepts = (pattern: string, value: string): boolean => new RegExp(pattern).test(value);
/** The script as SSM runs it: every {{ Parameter }} replaced by its value (or default). */
const render = (doc: CommandDocumentContent, values: Record<string, string> = {}): string =>
  script(doc).replace(/\{\{ (\w+) \}\}/g, (_m, name: string) => {
    const value = values[name] ?? doc.parameters[name]?.default;
    if (value === undefined) throw new Error(`no value for ${name}`);
    if (!accepts(doc.parameters[name]!.allowedPattern, value))
      throw new Error(`${name}="${value}" not allowed`);
    return value;
  });

/** Values a caller sends for the required parameters. */
const REQUIRED: Record<string, string> = {
  RunnerVersion: '18.6.2',
  ConnectorUser: 'ubuntu',
  GitlabUrl: 'https://gitlab.example.com',
  CanaryInstanceId: 'i-0123456789abcdef0',
  CanaryPrivateIp: '10.0.1.23',
  JobGroups: 'runner-jobs,runner-jobs-docker',
  ConfigPrefix: '/runner-autopilot/gitlab-runners/manager/config',
  Mode: 'apply',
};

describe('RolloutDocuments', () => {
  const { documents, template, resources, content } = synth();

  it('creates the seven Command documents, schema 2.2, for EC2 instances, each a single bash step', () => {
    template.resourceCountIs('AWS::SSM::Document', 7);
    for (const { Properties: p } of resources) {
      expect(p).toMatchObject({
        DocumentType: 'Command',
        DocumentFormat: 'JSON',
        TargetType: '/AWS::EC2::Instance',
      });
      expect(p.Content.schemaVersion).toBe('2.2');
      expect(p.Content.mainSteps).toHaveLength(1);
      expect(p.Content.mainSteps[0]).toMatchObject({
        action: 'aws:runShellScript',
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { timeoutSeconds: '{{ executionTimeout }}' },
      });
      expect(p.Content.mainSteps[0].inputs.runCommand[0]).toBe('#!/bin/bash');
    }
  });

  it('keeps names across deploys and makes a content change a new default version', () => {
    for (const { Properties: p } of resources) expect(p.UpdateMethod).toBe('NewVersion');
  });

  it('names every document after the deployment, uniquely and within SSM name rules', () => {
    const names = resources.map((r) => r.Properties.Name);

    expect(new Set(names).size).toBe(7);
    expect(names.sort()).toEqual(KEYS.map((k) => commandDocumentName('gitlab-runners', k)).sort());
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_.-]{3,128}$/);
    expect(documents.drainManager.name).toBe('gitlab-runners-autopilot-drain-manager');
    expect(documents.smokeJobs.parameterNames).toContain('RunnerVersion');
  });

  it.each([
    ['smoke-jobs', 'smoke-jobs.sh'],
    ['smoke-path', 'smoke-path.sh'],
    ['smoke-manager', 'smoke-manager.sh'],
    ['drain-manager', 'drain-manager.sh'],
    ['manager-health', 'manager-health.sh'],
    ['restart-manager', 'restart-manager.sh'],
    ['apply-config', 'apply-config.sh'],
  ] as const)('inlines the helpers and the script in %s', (key, file) => {
    const text = script(content(key));

    expect(text).toContain(readFileSync(join(SSM_SCRIPT_DIR, file), 'utf8').trimEnd());
    expect(text).toContain(readFileSync(join(SSM_SCRIPT_DIR, 'lib.sh'), 'utf8').trimEnd());
    expect(text.indexOf('log() {')).toBeLessThan(text.indexOf(`\n# shellcheck source-path=SCRIPTDIR`));
  });

  it.each(['drain-manager', 'manager-health', 'restart-manager', 'apply-config'] as const)(
    'inlines the runner service helpers in %s',
    (key) => {
      expect(script(content(key))).toContain('ensure_drain_dropin() {');
    },
  );

  it.each(KEYS)(
    'gives every parameter of %s a type, an anchored allowedPattern and a matching default',
    (key) => {
      for (const [name, p] of Object.entries(content(key).parameters)) {
        expect({ name, type: p.type }).toEqual({ name, type: 'String' });
        expect(p.allowedPattern).toMatch(/^\^.*\$$/);
        if (p.default !== undefined)
          expect({ name, ok: accepts(p.allowedPattern, p.default) }).toEqual({ name, ok: true });
      }
    },
  );

  it.each(KEYS)('exports every parameter of %s but the timeout, quoted, before the script body', (key) => {
    const doc = content(key);
    const lines = doc.mainSteps[0].inputs.runCommand;
    const referenced = new Set([...script(doc).matchAll(/\{\{ (\w+) \}\}/g)].map((m) => m[1]));
    const exports = lines.filter((l) => l.startsWith('export ') && l.includes('{{'));

    expect(referenced).toEqual(new Set(Object.keys(doc.parameters).filter((n) => n !== 'executionTimeout')));
    for (const line of exports) expect(line).toMatch(/^export [A-Z_]+='\{\{ [A-Za-z]+ \}\}'$/);
    expect(lines.lastIndexOf(exports.at(-1)!)).toBeLessThan(
      lines.indexOf('log() { printf \'%s\\n\' "$*"; }'),
    );
  });

  it('declares what the rollout sends to each document', () => {
    const sent: Record<Key, string[]> = {
      'smoke-jobs': [
        'Fleet',
        'CandidateId',
        'RunnerVersion',
        'GitlabUrl',
        'ConnectorUser',
        'MinFreeGiB',
        'Checks',
      ],
      'smoke-path': ['Fleet', 'CandidateId', 'CanaryInstanceId', 'CanaryPrivateIp', 'ConnectorUser'],
      'smoke-manager': ['Fleet', 'CandidateId', 'RunnerVersion', 'GitlabUrl', 'JobGroups', 'Checks'],
      'drain-manager': ['Fleet', 'CandidateId', 'DrainTimeoutSeconds'],
      'manager-health': ['Fleet', 'CandidateId'],
      'restart-manager': ['Fleet', 'CandidateId', 'DrainTimeoutSeconds'],
      'apply-config': [
        'Fleet',
        'CandidateId',
        'ConfigPrefix',
        'ExpectedHash',
        'Mode',
        'AllowRestart',
        'DrainTimeoutSeconds',
      ],
    };

    for (const key of KEYS) {
      const declared = Object.keys(content(key).parameters);
      const required = Object.entries(content(key).parameters)
        .filter(([, p]) => p.default === undefined)
        .map(([name]) => name);
      expect({ key, missing: sent[key].filter((n) => !declared.includes(n)) }).toEqual({ key, missing: [] });
      expect({ key, unsent: required.filter((n) => !sent[key].includes(n)) }).toEqual({ key, unsent: [] });
    }
  });

  it('rejects every value that could leave the quotes or smuggle a template', () => {
    const patterns = resources.flatMap((r) =>
      Object.values(r.Properties.Content.parameters).map((p) => p.allowedPattern),
    );
    const hostile = [
      "x'; reboot; '",
      "18.6.2'",
      'a\nb',
      '{{ ssm:/secret }}',
      '$(reboot)',
      '`reboot`',
      'a b',
      'a\\',
    ];

    for (const pattern of patterns)
      for (const value of hostile)
        expect({ pattern, value, ok: accepts(pattern, value) }).toEqual({ pattern, value, ok: false });
  });

  it('rejects any value with a quote, backslash or brace, whatever else it holds', () => {
    const patterns = resources.flatMap((r) =>
      Object.values(r.Properties.Content.parameters).map((p) => p.allowedPattern),
    );
    const dangerous = fc
      .tuple(fc.string(), fc.constantFrom("'", '\\', '{', '}', '\n', '"', '$', '`', ' ', ';'), fc.string())
      .map(([a, c, b]) => a + c + b);

    fc.assert(
      fc.property(dangerous, fc.constantFrom(...patterns), (value, pattern) => !accepts(pattern, value)),
    );
  });

  it.each([
    [
      'smoke-jobs',
      'docker,git,gitlab-runner,tools,disk,gitlab-url',
      ['git', 'tools,disk', 'gitlab-url,docker'],
    ],
    [
      'smoke-manager',
      'gitlab-runner,fleeting-plugin,job-groups,gitlab-url',
      ['job-groups', 'gitlab-url,gitlab-runner'],
    ],
  ] as const)('lets the rollout pick the checks of %s, all by default', (key, all, picks) => {
    const checks = content(key).parameters.Checks!;

    expect(checks.default).toBe(all);
    expect(script(content(key))).toContain("export CHECKS='{{ Checks }}'");
    for (const value of picks)
      expect({ value, ok: accepts(checks.allowedPattern, value) }).toEqual({ value, ok: true });
    for (const value of [
      '',
      'ssh-path',
      'git,',
      ',git',
      'git,,disk',
      'git disk',
      'GIT',
      'gitlab',
      'docker,dns',
      `${all},git`,
    ])
      expect({ value, ok: accepts(checks.allowedPattern, value) }).toEqual({ value, ok: false });
  });

  it('accepts only the checks of its role in each smoke document', () => {
    expect(accepts(content('smoke-manager').parameters.Checks!.allowedPattern, 'docker')).toBe(false);
    expect(accepts(content('smoke-jobs').parameters.Checks!.allowedPattern, 'fleeting-plugin')).toBe(false);
    expect(content('smoke-path').parameters.Checks).toBeUndefined();
  });

  it('keeps URLs free of credentials and queries', () => {
    expect(accepts(PARAMETER_PATTERNS.httpsUrl, 'https://gitlab.example.com:8443/gitlab')).toBe(true);
    expect(accepts(PARAMETER_PATTERNS.httpsUrl, 'https://user:token@gitlab.example.com')).toBe(false);
    expect(accepts(PARAMETER_PATTERNS.httpsUrl, 'https://gitlab.example.com/?private_token=x')).toBe(false);
    expect(accepts(PARAMETER_PATTERNS.httpsUrl, 'http://gitlab.example.com')).toBe(false);
    expect(accepts(PARAMETER_PATTERNS.metricsUrl, 'http://10.0.0.1:9252/metrics')).toBe(false);
  });

  it.each(['drain-manager', 'restart-manager', 'apply-config'] as const)(
    'lets %s take every drain bound SSM can outlast, whatever the fleets configured',
    (key) => {
      const drain = content(key).parameters.DrainTimeoutSeconds!;

      for (const value of [MIN_DRAIN_TIMEOUT_SECONDS, 7200, 7201, 15300, MAX_DRAIN_TIMEOUT_SECONDS])
        expect({ value, ok: accepts(drain.allowedPattern, String(value)) }).toEqual({ value, ok: true });
      for (const value of [MIN_DRAIN_TIMEOUT_SECONDS - 1, MAX_DRAIN_TIMEOUT_SECONDS + 1])
        expect({ value, ok: accepts(drain.allowedPattern, String(value)) }).toEqual({ value, ok: false });
      expect(drain.default).toBe('7200');
    },
  );

  it("accepts every fleet's own drain bound and command timeout, for any maxJobMinutes the config allows", () => {
    const pattern = (key: Key, name: string) => new RegExp(content(key).parameters[name]!.allowedPattern);
    const sent = [
      ['drain-manager', 'rollout'],
      ['restart-manager', 'restart'],
      ['apply-config', 'config'],
    ] as const;

    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2800 }), (maxJobMinutes) => {
        const bound = drainBoundSeconds({ maxJobMinutes });
        return sent.every(([key, kind]) => {
          const timeout = drainCommandSeconds({ maxJobMinutes }, kind);
          return (
            pattern(key, 'DrainTimeoutSeconds').test(String(bound)) &&
            pattern(key, 'executionTimeout').test(String(timeout)) &&
            timeout > bound
          );
        });
      }),
    );
  });

  it('lets the drain command take the timeout of the shortest drain, and defaults to the longest', () => {
    const timeout = content('drain-manager').parameters.executionTimeout!;

    expect(timeout.default).toBe(String(7200 + DRAIN_MARGIN_SECONDS));
    expect(accepts(timeout.allowedPattern, String(MIN_DRAIN_TIMEOUT_SECONDS + DRAIN_MARGIN_SECONDS))).toBe(
      true,
    );
    expect(
      accepts(timeout.allowedPattern, String(MIN_DRAIN_TIMEOUT_SECONDS + DRAIN_MARGIN_SECONDS - 1)),
    ).toBe(false);
    expect(accepts(timeout.allowedPattern, String(MAX_EXECUTION_TIMEOUT_SECONDS))).toBe(true);
    expect(accepts(timeout.allowedPattern, String(MAX_EXECUTION_TIMEOUT_SECONDS + 1))).toBe(false);
  });

  it('lets the restart command take the timeout of the shortest drain plus the longest health wait', () => {
    const doc = content('restart-manager');
    const least = MIN_DRAIN_TIMEOUT_SECONDS + MAX_HEALTH_WAIT_SECONDS + DRAIN_MARGIN_SECONDS;

    expect(doc.parameters.executionTimeout!.default).toBe(
      String(7200 + MAX_HEALTH_WAIT_SECONDS + DRAIN_MARGIN_SECONDS),
    );
    expect(accepts(doc.parameters.executionTimeout!.allowedPattern, String(least))).toBe(true);
    expect(accepts(doc.parameters.executionTimeout!.allowedPattern, String(least - 1))).toBe(false);
    expect(
      accepts(doc.parameters.HealthWaitSeconds!.allowedPattern, String(MAX_HEALTH_WAIT_SECONDS + 1)),
    ).toBe(false);
  });

  it('lets the health check outlast its longest wait', () => {
    const timeout = content('manager-health').parameters.executionTimeout!;

    expect(accepts(timeout.allowedPattern, String(MAX_HEALTH_WAIT_SECONDS))).toBe(false);
    expect(Number(timeout.default)).toBeGreaterThan(MAX_HEALTH_WAIT_SECONDS);
  });

  it.each(KEYS)('renders %s into a script bash can parse', (key) => {
    const run = spawnSync('bash', ['-n'], { input: render(content(key), REQUIRED), encoding: 'utf8' });

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it.each(KEYS)('keeps %s under SSM document size limit', (key) => {
    expect(Buffer.byteLength(JSON.stringify(content(key)))).toBeLessThan(64 * 1024);
  });

  it('runs the rendered drain document on its own, with no repository beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drain-doc-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      const fake = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >>"${dir}/calls"\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      writeFileSync(join(dir, 'state'), 'active\n');
      fake(
        'systemctl',
        `case "$1" in is-active) s=$(cat "${dir}/state"); echo "$s"; [ "$s" = active ] ;; stop) echo inactive >"${dir}/state" ;; show) case "$3" in KillSignal) echo 3 ;; KillMode) echo mixed ;; LoadState) echo loaded ;; *) echo success ;; esac ;; esac`,
      );
      fake('curl', 'exit 7');
      // No gitlab-runner runs outside the unit.
      fake('pgrep', 'exit 1');
      writeFileSync(
        join(dir, 'drain.sh'),
        render(content('drain-manager'), {
          Fleet: 'manager',
          CandidateId: 'abc123',
          DrainTimeoutSeconds: '3600',
        }),
      );

      const run = spawnSync('bash', [join(dir, 'drain.sh')], {
        encoding: 'utf8',
        env: { PATH: `${bin}:/usr/bin:/bin`, ROOT: dir, POLL_SECONDS: '0' },
      });

      expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^RESULT pass: drained in \d+s$/);
      expect(run.stdout.split('\n')[0]).toBe('runner-autopilot fleet manager candidate abc123');
      expect(
        readFileSync(join(dir, 'etc/systemd/system/gitlab-runner.service.d/10-autopilot-drain.conf'), 'utf8'),
      ).toContain('TimeoutStopSec=3600');
      expect(readFileSync(join(dir, 'calls'), 'utf8')).toContain('systemctl stop gitlab-runner.service\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [0, /drainTimeoutSeconds 0 is out of range/],
    [59, /out of range: use a whole number from 60 to/],
    [1800.5, /drainTimeoutSeconds 1800.5 is out of range/],
    [MAX_DRAIN_TIMEOUT_SECONDS + 1, /ends within SSM's 172800 s/],
    [172801, /drainTimeoutSeconds 172801 is out of range/],
  ])('throws when drainTimeoutSeconds is %p', (drainTimeoutSeconds, message) => {
    expect(() => synth({ drainTimeoutSeconds })).toThrow(message);
  });

  it('accepts the longest drain bound a restart can still outlast', () => {
    const { content: longest } = synth({ drainTimeoutSeconds: MAX_DRAIN_TIMEOUT_SECONDS });

    expect(longest('restart-manager').parameters.executionTimeout!.default).toBe(
      String(MAX_EXECUTION_TIMEOUT_SECONDS),
    );
  });

  it.each([
    ['aws-runners', /prefix SSM reserves/],
    ['amazon-ci', /prefix SSM reserves/],
    ['Bad_Name', /is not a valid name/],
  ])('throws when the deployment is %p', (deployment, message) => {
    expect(() => synth({ deployment })).toThrow(message);
  });
});

describe('RolloutDocuments applyConfig', () => {
  const { documents, content } = synth();
  const doc = content('apply-config');
  const param = (name: string) => doc.parameters[name]!;

  it('is named after the deployment and takes the contract parameters, none of them a secret', () => {
    expect(documents.applyConfig.name).toBe('gitlab-runners-autopilot-apply-config');
    expect(documents.applyConfig.parameterNames).toEqual([
      'Fleet',
      'CandidateId',
      'ConfigPrefix',
      'ExpectedHash',
      'Mode',
      'AllowRestart',
      'DrainTimeoutSeconds',
      'MetricsUrl',
      'Region',
      'executionTimeout',
    ]);
    expect(param('AllowRestart').default).toBe('false');
    expect(param('MetricsUrl').default).toBe('http://127.0.0.1:9252/metrics');
    expect(param('Region').default).toBe('');
    expect(param('Mode').default).toBeUndefined();
    expect(param('ConfigPrefix').default).toBeUndefined();
  });

  it.each([
    [
      'ConfigPrefix',
      ['/runner-autopilot/gitlab-runners/manager/config', '/runner-autopilot/gitlab-runners/m2/config'],
      [
        '',
        '/runner-autopilot/other/manager/config',
        '/runner-autopilot/gitlab-runners/manager/config/template',
        '/runner-autopilot/gitlab-runners/../config',
        '/runner-autopilot/gitlab-runners/Manager/config',
        'runner-autopilot/gitlab-runners/manager/config',
      ],
    ],
    [
      'ExpectedHash',
      ['', 'a'.repeat(64), '0123456789abcdef'.repeat(4)],
      ['a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64), 'g'.repeat(64)],
    ],
    ['Mode', ['apply', 'drift', 'boot'], ['', 'APPLY', 'restart', 'apply,drift']],
    ['AllowRestart', ['true', 'false'], ['', 'yes', 'True', '1']],
  ] as const)('accepts exactly the allowed values of %s', (name, good, bad) => {
    for (const value of good)
      expect({ value, ok: accepts(param(name).allowedPattern, value) }).toEqual({ value, ok: true });
    for (const value of bad)
      expect({ value, ok: accepts(param(name).allowedPattern, value) }).toEqual({ value, ok: false });
  });

  it('takes the short timeout of a live apply, and defaults to a restart that is undone', () => {
    const timeout = param('executionTimeout');

    expect(accepts(timeout.allowedPattern, '600')).toBe(true);
    expect(accepts(timeout.allowedPattern, String(MAX_HEALTH_WAIT_SECONDS))).toBe(false);
    expect(timeout.default).toBe(String(2 * (7200 + MAX_HEALTH_WAIT_SECONDS) + DRAIN_MARGIN_SECONDS));
    expect(Number(timeout.default)).toBeGreaterThan(7200 + MAX_HEALTH_WAIT_SECONDS);
  });

  it("caps its default timeout at SSM's maximum for the longest drain bound", () => {
    const { content: longest } = synth({ drainTimeoutSeconds: MAX_DRAIN_TIMEOUT_SECONDS });
    const timeout = longest('apply-config').parameters.executionTimeout!;

    expect(timeout.default).toBe(String(MAX_EXECUTION_TIMEOUT_SECONDS));
    expect(accepts(timeout.allowedPattern, String(MAX_EXECUTION_TIMEOUT_SECONDS + 1))).toBe(false);
  });

  it('embeds runner_config.py before the scripts, as a quoted here-document', () => {
    const text = script(doc);
    const python = readFileSync(join(SSM_SCRIPT_DIR, 'runner_config.py'), 'utf8').trimEnd();

    expect(text).toContain(
      `RUNNER_CONFIG_PY_SOURCE=$(cat <<'${EMBED_DELIMITER}'\n${python}\n${EMBED_DELIMITER}\n)`,
    );
    expect(text.indexOf(EMBED_DELIMITER)).toBeLessThan(text.indexOf('log() {'));
  });

  it('runs the rendered document on its own: boot mode renders config.toml from Parameter Store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-doc-'));
    try {
      const bin = join(dir, 'bin');
      const ssm = join(dir, 'ssm');
      mkdirSync(bin);
      mkdirSync(ssm);
      const prefix = '/runner-autopilot/gitlab-runners/manager/config';
      const put = (name: string, value: string) => writeFileSync(join(ssm, name.replaceAll('/', '%')), value);
      const template =
        'concurrent = ${concurrent}\n\n[[runners]]\nname = "docker"\nurl = "https://gitlab.example.com"\nid = 7\ntoken = "${token}"\nexecutor = "docker-autoscaler"\n';
      const values = { concurrent: '3', token: { secureParameter: '/tokens/docker' } };
      const canonical = `${template}\n\0\n{"concurrent":"3","token":{"secureParameter":"/tokens/docker"}}`;
      const hash = createHash('sha256').update(canonical, 'utf8').digest('hex');
      put(`${prefix}/template`, template);
      put(`${prefix}/values`, JSON.stringify(values));
      put(`${prefix}/manifest`, JSON.stringify({ hash }));
      put('/tokens/docker', 'glrt-doc-test-secret');
      writeFileSync(
        join(bin, 'aws'),
        `#!/bin/bash\necho "aws $*" >>"${dir}/calls"\nwhile [ $# -gt 0 ]; do [ "$1" = --name ] && name=$2; shift; done\n` +
          `python3 -c 'import json, sys; print(json.dumps({"Parameter": {"Value": open(sys.argv[1]).read()}}))' "${ssm}/$(printf %s "$name" | tr / %)"\n`,
      );
      chmodSync(join(bin, 'aws'), 0o755);
      writeFileSync(
        join(dir, 'apply.sh'),
        render(doc, { ConfigPrefix: prefix, Mode: 'boot', ExpectedHash: hash, Region: 'eu-west-1' }),
      );

      const run = spawnSync('bash', [join(dir, 'apply.sh')], {
        encoding: 'utf8',
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          RUNNER_CONFIG: join(dir, 'config.toml'),
          STATE_DIR: join(dir, 'state'),
        },
      });

      expect(run.stdout.trimEnd().split('\n').slice(-2)).toEqual([
        `CONFIG_HASH=${hash}`,
        'RESULT applied-boot',
      ]);
      expect(readFileSync(join(dir, 'config.toml'), 'utf8')).toContain('token = "glrt-doc-test-secret"');
      expect(run.stdout + run.stderr + readFileSync(join(dir, 'calls'), 'utf8')).not.toContain(
        'glrt-doc-test-secret',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nameListPattern', () => {
  it('matches one to as many names as given, comma-separated, and nothing else', () => {
    const re = new RegExp(nameListPattern(['a-b', 'c']));

    for (const value of ['a-b', 'c', 'c,a-b', 'a-b,a-b'])
      expect({ value, ok: re.test(value) }).toEqual({ value, ok: true });
    for (const value of ['', 'a', 'b', 'a-b,c,c', 'a-b,', ' c'])
      expect({ value, ok: re.test(value) }).toEqual({ value, ok: false });
  });

  it('throws on no names or a name that is not lowercase words joined by dashes', () => {
    expect(() => nameListPattern([])).toThrow(/invalid names \[\]/);
    expect(() => nameListPattern(['ok', 'a.b'])).toThrow(/use lowercase words joined by dashes/);
  });
});

describe('integerRangePattern', () => {
  it.each([
    [0, 9],
    [60, 7200],
    [8400, 172800],
    [1, 16384],
    [0, 300],
    [199, 200],
    [5, 5],
  ])('matches exactly the integers from %i to %i', (min, max) => {
    const re = new RegExp(integerRangePattern(min, max));
    for (let n = Math.max(0, min - 50); n <= Math.min(max + 50, min + 2000); n++)
      expect({ n, ok: re.test(String(n)) }).toEqual({ n, ok: n >= min && n <= max });
    expect(re.test(String(max))).toBe(true);
    expect(re.test(String(max + 1))).toBe(false);
  });

  it('matches n exactly when min <= n <= max, for any bounds', () => {
    const bounds = fc
      .tuple(fc.nat(250000), fc.nat(250000))
      .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

    fc.assert(
      fc.property(bounds, fc.nat(300000), ([min, max], n) => {
        return new RegExp(integerRangePattern(min, max)).test(String(n)) === (n >= min && n <= max);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects leading zeros, signs and blanks', () => {
    const re = new RegExp(integerRangePattern(0, 172800));

    for (const value of ['007', '-1', '+5', ' 5', '5 ', '', '1e3', '3600\n'])
      expect({ value, ok: re.test(value) }).toEqual({ value, ok: false });
  });

  it('throws on an empty or negative range', () => {
    expect(() => integerRangePattern(5, 4)).toThrow(/invalid integer range 5..4/);
    expect(() => integerRangePattern(-1, 4)).toThrow(/invalid integer range/);
  });
});
