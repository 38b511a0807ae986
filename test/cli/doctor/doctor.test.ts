import { loadConfig } from '../../../infra/load-config';
import { type Check, type DoctorContext, runChecks } from '../../../cli/doctor/doctor';
import { fail, pass, warn } from '../../../cli/doctor/finding';
import { exitCode, renderJson, renderText } from '../../../cli/doctor/report';
import { judgeLedgerTable } from '../../../cli/doctor/tonight';
import { EXAMPLE } from '../run-cli';

const ctx: DoctorContext = {
  config: loadConfig(EXAMPLE),
  configFile: EXAMPLE,
  now: new Date('2026-12-04T12:00:00Z'),
  deployed: true,
};

const denied = Object.assign(
  new Error(
    'User: arn:aws:sts::123456789012:assumed-role/ReadOnly/me is not authorized to perform: iam:SimulatePrincipalPolicy on resource: role gitlab-runner-manager',
  ),
  { name: 'AccessDenied' },
);

describe('doctor', () => {
  it('runs every area in turn; an area that throws is one fail with the fix for its error, and the others still run', async () => {
    const checks: Check[] = [
      { area: 'groups', run: () => Promise.resolve([pass('groups', 'manager', 'group exists')]) },
      { area: 'roles', run: () => Promise.reject(denied) },
      {
        area: 'images',
        run: () =>
          Promise.resolve([warn('images', 'jobs', 'last build is 9 days old', 'npm run bake -- jobs')]),
      },
    ];

    const findings = await runChecks(checks, ctx);

    expect(findings.map((f) => [f.area, f.status])).toEqual([
      ['groups', 'pass'],
      ['roles', 'fail'],
      ['images', 'warn'],
    ]);
    expect(findings[1]).toMatchObject({
      subject: 'doctor',
      says: expect.stringContaining('the roles checks could not run: User: arn:aws:sts'),
      fix: expect.stringMatching(/^access denied for iam:SimulatePrincipalPolicy: use a role that allows/),
    });
  });

  it('says to run again with --debug when an area fails for a reason that is not AWS’s', async () => {
    const findings = await runChecks(
      [{ area: 'config', run: () => Promise.reject(new TypeError('cannot read x of undefined')) }],
      ctx,
    );

    expect(findings).toEqual([
      expect.objectContaining({
        status: 'fail',
        says: 'the config checks could not run: cannot read x of undefined',
        fix: expect.stringContaining('--debug'),
      }),
    ]);
  });
});

describe('doctor report', () => {
  const findings = [
    fail('images', 'jobs', 'no image was ever built', 'npm run bake -- jobs -c deploy/prod.yaml'),
    pass('groups', 'manager', 'group gitlab-runner-manager launches gitlab-runner-manager at $Default'),
    warn('groups', 'jobs-docker', 'desired capacity is pinned', 'let the plugin set it'),
  ];

  it('groups findings by area in the report order, with each fix under its finding, and counts them', () => {
    expect(renderText(findings)).toBe(
      [
        'groups',
        '  pass  manager: group gitlab-runner-manager launches gitlab-runner-manager at $Default',
        '  WARN  jobs-docker: desired capacity is pinned',
        '        fix: let the plugin set it',
        'images',
        '  FAIL  jobs: no image was ever built',
        '        fix: npm run bake -- jobs -c deploy/prod.yaml',
        '',
        '1 check passed, 1 warning, 1 failed',
      ].join('\n'),
    );
  });

  it('exits 3 on any fail, 0 with warnings alone', () => {
    expect(exitCode(findings)).toBe(3);
    expect(exitCode(findings.filter((f) => f.status !== 'fail'))).toBe(0);
    expect(exitCode([])).toBe(0);
  });

  it('prints JSON with ok, counts and the findings for CI', () => {
    expect(JSON.parse(renderJson(findings))).toEqual({
      ok: false,
      counts: { pass: 1, warn: 1, fail: 1 },
      findings: findings.map((f) => ({ ...f })),
    });
  });
});

describe('doctor before the first deploy', () => {
  it('words what only a deploy creates as a warning until the stack exists, and a fail after', () => {
    expect(judgeLedgerTable('gitlab-runners-autopilot-ledger', undefined, EXAMPLE, false)).toEqual({
      area: 'tonight',
      subject: 'ledger gitlab-runners-autopilot-ledger',
      status: 'warn',
      says: expect.stringMatching(/^not deployed yet: the ledger table does not exist/),
      fix: `npx cdk deploy --all -c config=${EXAMPLE}, then run doctor again`,
    });
    expect(judgeLedgerTable('gitlab-runners-autopilot-ledger', undefined, EXAMPLE, true)).toMatchObject({
      status: 'fail',
      says: expect.stringMatching(/^the ledger table does not exist/),
      fix: `npx cdk deploy --all -c config=${EXAMPLE}`,
    });
  });
});
