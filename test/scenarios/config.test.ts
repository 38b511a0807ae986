import { endScenario, EXAMPLE_CONFIG, Scenario } from '../../rehearsal/driver';
import type { AwsEvent, FakeCommand, Outcome } from '../../rehearsal/fake-aws';
import { loadStack } from '../../rehearsal/router';
import {
  AMI,
  createSecrets,
  deployRunnerConfig,
  liveManagers,
  MANAGER_CONFIG,
  type RunnerConfigSource,
  secondFleet,
  secondManagerConfig,
  standardFleet,
} from './fleet';
import { output } from '../helpers/output';

/**
 * A manager fleet's config.toml as code, through the real handlers routed by the template's rules:
 * a deploy's Parameter Store Change (or a Config Apply Requested, or the nightly drift schedule)
 * reaches apply-config, whose command outcome (scripted here as apply-config.sh prints it) is read
 * back by command-status, the rollout step function and the reconciler.
 */

// Tuesday noon UTC: outside the manager's maintenance window (01:00-04:59 UTC).
const TUESDAY_NOON = '2026-11-03T12:00:00Z';
// Tuesday 01:00 UTC: inside the window.
const TUESDAY_NIGHT = '2026-11-03T01:00:00Z';
const IN_WINDOW = /^2026-11-0\dT0[1-4]:/;

jest.setTimeout(60_000);

beforeAll(() => {
  loadStack(EXAMPLE_CONFIG);
});

afterEach(endScenario);

/** What apply-config.sh prints last: its hash, then its RESULT line. */
const printed = (hash: string, result: string, before: string[] = []): string =>
  [...before, `CONFIG_HASH=${hash}`, `RESULT ${result}`].join('\n');

/**
 * Scripts the apply-config document call by call: the n-th command gets the n-th outcome (the
 * last repeats). Returns the commands in the order they were sent.
 */
const scriptApply = (s: Scenario, ...outcomes: Outcome[]): FakeCommand[] => {
  const calls: FakeCommand[] = [];
  s.world.scripts['apply-config'] = (command) => {
    calls.push(command);
    return outcomes[Math.min(calls.length, outcomes.length) - 1] ?? { kind: 'hang' };
  };
  return calls;
};

const applyCommands = (s: Scenario): FakeCommand[] =>
  s.world.commands.filter((c) => c.documentName.endsWith('-autopilot-apply-config'));

const isApplyStatus = (e: AwsEvent): boolean =>
  e['detail-type'] === 'EC2 Command Status-change Notification' &&
  String(e.detail['document-name']).endsWith('-autopilot-apply-config');

/** No secret value anywhere a Lambda writes: command parameters, events, the ledger, logs. */
const expectNoSecret = (s: Scenario, sources: readonly RunnerConfigSource[]): void => {
  const places = {
    commandParameters: JSON.stringify(s.world.commands.map((c) => c.parameters)),
    events: JSON.stringify(s.world.putEvents),
    ledger: JSON.stringify([...s.world.table.values()]),
    logs: output(),
  };
  for (const secret of sources.flatMap((src) => Object.values(src.secrets))) {
    for (const [place, text] of Object.entries(places)) {
      expect({ place, leaked: text.includes(secret) }).toEqual({ place, leaked: false });
    }
  }
  expect(s.world.decryptedReads).toEqual([]);
};

const expectPromisesKept = (s: Scenario): void => {
  expect(s.world.violations).toEqual([]);
  expect(s.world.refusedCommands).toEqual([]);
  expect(s.permanentFailures).toEqual([]);
  expect(s.failureQueue).toEqual([]);
};

describe('manager config scenarios', () => {
  it('routes manifest changes, Config Apply Requested and one drift schedule per manager to apply-config', () => {
    const stack = loadStack(EXAMPLE_CONFIG);

    const routes = stack.routes
      .filter((r) => r.services.includes('apply-config'))
      .map((r) => `${r.origin} ${r.bus === 'default' ? 'default' : 'ours'}`);

    expect(routes.sort()).toEqual(['template default', 'template ours']);
    expect(stack.crons.filter((c) => c.service === 'apply-config')).toEqual([
      expect.objectContaining({
        service: 'apply-config',
        expression: expect.stringMatching(/^cron\(15 3 /),
        timeZone: 'UTC',
        input: expect.stringContaining('"fleet":"manager"'),
      }),
    ]);
  });

  it('applies a deploy live: one command for the manifest change, none for template and values', async () => {
    const s = new Scenario({ start: TUESDAY_NOON });
    const { manager } = standardFleet(s.world);
    createSecrets(s.world, MANAGER_CONFIG);
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    scriptApply(s, { kind: 'pass', output: printed(hash, 'applied-live') });

    await s.runUntilQuiet();

    expect(s.invocations.filter((i) => i.service === 'apply-config')).toEqual([
      expect.objectContaining({
        via: expect.stringMatching(/ConfigManifestRule\w*: Parameter Store Change$/),
      }),
    ]);
    expect(applyCommands(s).map((c) => [c.instanceId, c.parameters])).toEqual([
      [
        manager.id,
        expect.objectContaining({
          Fleet: ['manager'],
          ConfigPrefix: [MANAGER_CONFIG.prefix],
          ExpectedHash: [hash],
          Mode: ['apply'],
          AllowRestart: ['false'],
        }),
      ],
    ]);
    expect(s.historyOf('manager', 'config')).toEqual([
      `(config) applying: apply requested: deploy updated ${MANAGER_CONFIG.prefix}/manifest`,
      `(config) applying: applying to ${manager.id} (config ${hash.slice(0, 12)})`,
      '(config) done: applied-live',
    ]);
    expect(s.rollouts('manager')[0]).toMatchObject({
      kind: 'config',
      result: 'applied-live',
      configHash: hash,
    });
    expect(s.busEvents('Config Apply Failed')).toEqual([]);
    expectNoSecret(s, [MANAGER_CONFIG]);
    expectPromisesKept(s);
  });

  it.each(['sequential', 'concurrent'] as const)(
    'sends one command when every event is delivered twice (%s)',
    async (duplicate) => {
      const s = new Scenario({ start: TUESDAY_NOON, duplicate });
      standardFleet(s.world);
      createSecrets(s.world, MANAGER_CONFIG);
      const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
      scriptApply(s, { kind: 'pass', output: printed(hash, 'applied-live') });

      await s.runUntilQuiet();

      expect(applyCommands(s)).toHaveLength(1);
      expect(s.rollouts('manager')).toHaveLength(1);
      expect(s.historyOf('manager', 'config').at(-1)).toBe('(config) done: applied-live');
      expectPromisesKept(s);
    },
  );

  it('never applies an identity change live: deferred outside the window, applied with a restart in it', async () => {
    const s = new Scenario({ start: TUESDAY_NOON });
    const { manager } = standardFleet(s.world);
    createSecrets(s.world, MANAGER_CONFIG);
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    const identity = 'runner aws-instance identity (url/id) changed';
    scriptApply(
      s,
      { kind: 'pass', output: printed(hash, `deferred-restart: ${identity}`) },
      { kind: 'pass', afterMinutes: 5, output: printed(hash, 'applied-restart') },
    );

    await s.runUntilQuiet();

    const [live, restart] = applyCommands(s);
    expect(applyCommands(s)).toHaveLength(2);
    expect(live?.parameters.AllowRestart).toEqual(['false']);
    expect(new Date(live?.requestedAt ?? 0).toISOString()).toMatch(/^2026-11-03T12:/);
    expect(restart?.parameters.AllowRestart).toEqual(['true']);
    expect(new Date(restart?.requestedAt ?? 0).toISOString()).toBe('2026-11-04T01:00:00.000Z');
    expect(Number(restart?.parameters.executionTimeout?.[0])).toBeGreaterThan(
      Number(restart?.parameters.DrainTimeoutSeconds?.[0]),
    );
    expect(s.historyOf('manager', 'config')).toEqual([
      `(config) applying: apply requested: deploy updated ${MANAGER_CONFIG.prefix}/manifest`,
      `(config) applying: applying to ${manager.id} (config ${hash.slice(0, 12)})`,
      `(config) awaiting-maintenance: needs a restart (${identity}): waits for the maintenance window`,
      '(config) awaiting-maintenance: waiting for the maintenance window at 2026-11-04T01:00:00.000Z',
      '(config) awaiting-maintenance: suspending ReplaceUnhealthy for the drain',
      `(config) draining: applying with a restart ${manager.id} (running jobs finish first, up to 120 min)`,
      '(config) done: applied-restart',
    ]);
    expect(s.world.table.has('FLEET#manager\u0000LEASE')).toBe(false);
    expectNoSecret(s, [MANAGER_CONFIG]);
    expectPromisesKept(s);
  });

  it('makes a restarting apply wait while a manager rollout holds the lease, then applies it to the new manager', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    const { manager } = standardFleet(s.world);
    s.world.startJob(manager.id, 60);
    createSecrets(s.world, MANAGER_CONFIG);
    s.imageReady('manager', AMI.managerNew);
    await s.runUntilQuiet({ until: () => s.rollouts('manager')[0]?.state === 'draining' });
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    scriptApply(
      s,
      { kind: 'pass', output: printed(hash, 'deferred-restart: listen_address') },
      { kind: 'pass', afterMinutes: 3, output: printed(hash, 'applied-restart') },
    );

    await s.runUntilQuiet();

    expect(s.rollout('manager').state).toBe('done');
    const config = s.historyOf('manager', 'config');
    expect(config).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^\\(config\\) awaiting-maintenance: lease of manager held by ${s.rollout('manager').candidateId} \\(replace\\); retry at `,
          ),
        ),
      ]),
    );
    expect(config.at(-1)).toBe('(config) done: applied-restart');
    const [now] = liveManagers(s.world);
    expect(now?.imageId).toBe(AMI.managerNew);
    const restart = applyCommands(s).find((c) => c.parameters.AllowRestart?.[0] === 'true');
    expect(restart?.instanceId).toBe(now?.id);
    // The restart came after the rollout let go of the lease (it verified the new manager first).
    const verified = s.rollout('manager').history.find((h) => h.state === 'baking')?.at ?? '';
    expect(new Date(restart?.requestedAt ?? 0).toISOString() >= verified).toBe(true);
    expect(new Date(restart?.requestedAt ?? 0).toISOString()).toMatch(IN_WINDOW);
    expectNoSecret(s, [MANAGER_CONFIG]);
    expectPromisesKept(s);
  });

  it('records a restart that failed and restored the previous config as failed, with the excerpt', async () => {
    const s = new Scenario({ start: TUESDAY_NIGHT });
    standardFleet(s.world);
    createSecrets(s.world, MANAGER_CONFIG);
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    scriptApply(
      s,
      { kind: 'pass', output: printed(hash, 'deferred-restart: listen_address') },
      {
        kind: 'fail',
        afterMinutes: 4,
        output: printed(hash, 'failed-restored: gitlab-runner unhealthy with the new config', [
          'gitlab-runner not healthy after the restart: restoring the backup',
        ]),
      },
    );

    await s.runUntilQuiet();

    expect(s.historyOf('manager', 'config').at(-1)).toBe(
      '(config) failed: failed-restored: gitlab-runner unhealthy with the new config',
    );
    expect(s.busEvents('Config Apply Failed')).toEqual([
      expect.objectContaining({
        fleet: 'manager',
        stage: 'failed-restored',
        excerpt: expect.stringContaining('RESULT failed-restored'),
      }),
    ]);
    expect(s.world.table.has('FLEET#manager\u0000LEASE')).toBe(false);
    expectNoSecret(s, [MANAGER_CONFIG]);
    expectPromisesKept(s);
  });

  it('fails an apply SSM refuses once, with an alert, instead of sending it again and again', async () => {
    const s = new Scenario({ start: TUESDAY_NOON });
    standardFleet(s.world);
    createSecrets(s.world, MANAGER_CONFIG);
    deployRunnerConfig(s.world, MANAGER_CONFIG);
    // A document that no longer takes what the function sends (a deploy half done).
    const name = [...s.world.documents.keys()].find((n) => n.endsWith('-autopilot-apply-config'))!;
    const doc = s.world.documents.get(name)!;
    s.world.documents = new Map([
      ...s.world.documents,
      [
        name,
        {
          ...doc,
          parameters: { ...doc.parameters, Mode: { ...doc.parameters.Mode!, allowedPattern: '^boot$' } },
        },
      ],
    ]);

    await s.runUntilQuiet();

    expect(s.world.calls.filter((c) => c === 'SendCommand')).toHaveLength(1);
    expect(s.world.refusedCommands).toEqual([expect.stringMatching(/^InvalidParameters: .*Mode="apply"/)]);
    expect(s.rollouts('manager').map((r) => [r.kind, r.state])).toEqual([['config', 'failed']]);
    expect(s.busEvents('Config Apply Failed')).toEqual([
      expect.objectContaining({
        fleet: 'manager',
        stage: 'refused',
        reason: expect.stringContaining('Mode'),
      }),
    ]);
    expect(s.failureQueue).toEqual([]);
    expect(s.permanentFailures).toHaveLength(1);
  });

  it('finishes an apply whose command status event was lost through the reconciler', async () => {
    const s = new Scenario({ start: TUESDAY_NOON, drop: isApplyStatus });
    standardFleet(s.world);
    createSecrets(s.world, MANAGER_CONFIG);
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    scriptApply(s, {
      kind: 'pass',
      output: printed(hash, 'in-sync', ['TOKEN_ROTATED=aws-instance']),
    });

    await s.runUntilQuiet();

    expect(s.dropped).toHaveLength(1);
    expect(applyCommands(s)).toHaveLength(1);
    expect(s.historyOf('manager', 'config').at(-1)).toBe(
      '(config) done: in-sync; rotated token written back for aws-instance',
    );
    expect(s.invocations).toContainEqual(
      expect.objectContaining({ service: 'reconciler', result: expect.stringContaining('reconciled') }),
    );
    expect(s.invocations.filter((i) => i.service === 'command-status')).toEqual([]);
    expectPromisesKept(s);
  });

  it('gives each of two manager fleets its own config, sent only to its own manager', async () => {
    const second = secondManagerConfig();
    const s = new Scenario({ configPath: second.configPath, start: TUESDAY_NOON });
    const { manager } = standardFleet(s.world);
    const managerB = secondFleet(s.world);
    createSecrets(s.world, MANAGER_CONFIG);
    createSecrets(s.world, second.source);
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    const hashB = deployRunnerConfig(s.world, second.source);
    s.world.scripts['apply-config'] = (command) => ({
      kind: 'pass',
      output: printed(command.parameters.ExpectedHash?.[0] ?? '', 'applied-live'),
    });

    await s.runUntilQuiet();

    expect(hashB).not.toBe(hash);
    expect(
      applyCommands(s)
        .map((c) => [
          c.instanceId,
          c.parameters.Fleet?.[0],
          c.parameters.ConfigPrefix?.[0],
          c.parameters.ExpectedHash?.[0],
        ])
        .sort(),
    ).toEqual(
      [
        [manager.id, 'manager', MANAGER_CONFIG.prefix, hash],
        [managerB.id, 'manager-b', second.source.prefix, hashB],
      ].sort(),
    );
    expect(s.historyOf('manager', 'config').at(-1)).toBe('(config) done: applied-live');
    expect(s.historyOf('manager-b', 'config')).toEqual([
      `(config) applying: apply requested: deploy updated ${second.source.prefix}/manifest`,
      `(config) applying: applying to ${managerB.id} (config ${hashB.slice(0, 12)})`,
      '(config) done: applied-live',
    ]);
    expect(
      s.stack.crons
        .filter((c) => c.service === 'apply-config')
        .map((c) => (JSON.parse(c.input) as { fleet: string }).fleet)
        .sort(),
    ).toEqual(['manager', 'manager-b']);
    expectNoSecret(s, [MANAGER_CONFIG, second.source]);
    expectPromisesKept(s);
  });

  it('reports drift found by the nightly drift schedule of the template, changing nothing', async () => {
    const s = new Scenario({ start: '2026-11-03T03:10:00Z' });
    const { manager } = standardFleet(s.world);
    createSecrets(s.world, MANAGER_CONFIG);
    const hash = deployRunnerConfig(s.world, MANAGER_CONFIG);
    await s.runUntilQuiet();
    scriptApply(s, { kind: 'pass', output: printed(hash, 'drift: concurrent, runners.0.limit') });
    s.setTime(Date.parse('2026-11-03T03:15:00Z'));

    await s.runCronSchedule((input) => input.fleet === 'manager');
    await s.runUntilQuiet();

    const drift = applyCommands(s).at(-1);
    expect(drift?.parameters).toMatchObject({ Mode: ['drift'], AllowRestart: ['false'] });
    expect(s.busEvents('Config Drift Detected')).toEqual([
      {
        fleet: 'manager',
        applyId: expect.any(String),
        instanceId: manager.id,
        changes: 'concurrent, runners.0.limit',
        configHash: hash,
      },
    ]);
    expect(s.historyOf('manager', 'config').slice(-3)).toEqual([
      '(config) applying: drift requested: nightly drift check at 2026-11-03T03:15:00Z',
      `(config) applying: checking drift on ${manager.id} (config ${hash.slice(0, 12)})`,
      '(config) done: drift: concurrent, runners.0.limit',
    ]);
    expect(applyCommands(s).filter((c) => c.parameters.AllowRestart?.[0] === 'true')).toEqual([]);
    expectNoSecret(s, [MANAGER_CONFIG]);
    expectPromisesKept(s);
  });
});
