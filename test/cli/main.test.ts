import { COMMANDS } from '../../cli/commands';
import { EXAMPLE, EXAMPLE_TARGET, runCli } from './run-cli';

const NAMES = [
  'rehearse',
  'check',
  'plan',
  'doctor',
  'synth',
  'bake',
  'rollback',
  'ledger',
  'freeze',
  'unfreeze',
  'invoke',
  'lint-runner-config',
];
const AWS_COMMANDS: readonly (readonly [string, string[]])[] = [
  ['bake', ['jobs']],
  ['rollback', ['manager']],
  ['ledger', ['manager']],
  ['freeze', ['all', '--until', '4h', '--reason', 'INC-42']],
  ['unfreeze', ['all']],
  ['invoke', ['start-bake', 'events/scheduler/nightly-bake.json']],
  ['doctor', []],
];

describe('runner-autopilot', () => {
  it('lists every command with its summary on --help', async () => {
    const result = await runCli(['--help']);

    expect(result.code).toBe(0);
    expect(result.out.join('\n')).toMatch(/^usage: runner-autopilot <command> \[options\]\n/);
    expect(COMMANDS.map((c) => c.name)).toEqual(NAMES);
    for (const c of COMMANDS) expect(result.out.join('\n')).toContain(`  ${c.name.padEnd(18)}  ${c.summary}`);
  });

  it('exits 2 with the command list on an unknown command', async () => {
    const result = await runCli(['deploy']);

    expect(result.code).toBe(2);
    expect(result.err[0]).toBe("unknown command 'deploy'");
    expect(result.err[1]).toMatch(/^usage: runner-autopilot <command>/);
  });

  it.each(NAMES)('%s --help prints its usage and options and exits 0', async (name) => {
    const result = await runCli([name, '--help']);

    expect(result.code).toBe(0);
    expect(result.err).toEqual([]);
    expect(result.out[0]).toMatch(new RegExp(`^usage: runner-autopilot ${name}( |$)`));
    expect(result.out.join('\n')).toContain('-h, --help');
  });

  it.each(NAMES)('%s prints one line and the usage on an unknown option, exit 2', async (name) => {
    const result = await runCli([name, '--bogus']);

    expect(result.code).toBe(2);
    expect(result.err).toEqual([
      `runner-autopilot ${name}: unknown option '--bogus'`,
      expect.stringMatching(new RegExp(`^usage: runner-autopilot ${name}`)),
    ]);
  });

  it.each(AWS_COMMANDS)('%s refuses to run without a config, in one line, exit 1', async (name, args) => {
    const result = await runCli([name, ...args]);

    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      `${name}: no config file given: pass --config <file> or set RUNNER_AUTOPILOT_CONFIG`,
    ]);
    expect(result.out).toEqual([]);
  });

  it.each(AWS_COMMANDS)('%s names a config file that does not exist', async (name, args) => {
    const result = await runCli([name, ...args, '--config', 'deploy/prod.yaml']);

    expect(result.code).toBe(1);
    expect(result.err).toEqual([expect.stringMatching(/^config file not found: .*deploy\/prod\.yaml$/)]);
  });

  it('takes the config from RUNNER_AUTOPILOT_CONFIG and prints the target first', async () => {
    const result = await runCli(['bake', 'jobs', '--dry-run'], { env: { RUNNER_AUTOPILOT_CONFIG: EXAMPLE } });

    expect(result.code).toBe(0);
    expect(result.err).toEqual([EXAMPLE_TARGET]);
    expect(result.out).toEqual([
      expect.stringMatching(
        /^dry run: would put Bake Requested for jobs on gitlab-runners-autopilot: \{"pipeline":"jobs",/,
      ),
    ]);
  });

  it('lists the pipelines when bake names none it knows', async () => {
    const result = await runCli(['bake', 'nightly', '-c', EXAMPLE]);

    expect(result.code).toBe(2);
    expect(result.err).toEqual([
      EXAMPLE_TARGET,
      'runner-autopilot bake: no pipeline "nightly"; pipelines: jobs, manager',
      'usage: runner-autopilot bake <pipeline> [options]',
    ]);
  });

  it('freeze needs --until and --reason before it touches anything', async () => {
    const result = await runCli(['freeze', 'all', '--reason', 'INC-42', '-c', EXAMPLE]);

    expect(result.code).toBe(2);
    expect(result.err).toEqual([
      'runner-autopilot freeze: --until is required: when the brake ends (90m, 4h, 2d or a zoned time)',
      'usage: runner-autopilot freeze <fleet|all> [options]',
    ]);
  });

  it('freeze names the fleets it can brake when given another', async () => {
    const result = await runCli(['freeze', 'jobs', '--until', '4h', '--reason', 'INC-42', '-c', EXAMPLE]);

    expect(result.code).toBe(2);
    expect(result.err).toContain(
      'runner-autopilot freeze: no fleet "jobs"; fleets: manager, jobs-instance, jobs-docker',
    );
  });

  it('invoke names the functions it can run when given another', async () => {
    const result = await runCli([
      'invoke',
      'start-bakes',
      'events/scheduler/nightly-bake.json',
      '-c',
      EXAMPLE,
    ]);

    expect(result.code).toBe(2);
    expect(result.err).toContainEqual(
      expect.stringMatching(
        /^runner-autopilot invoke: no function "start-bakes" in gitlab-runners-autopilot; functions: (.+, )*start-bake(, .+)*$/,
      ),
    );
  });

  it('lists the fleets when ledger is given none', async () => {
    const result = await runCli(['ledger', '-c', EXAMPLE]);

    expect(result.code).toBe(2);
    expect(result.err[1]).toBe(
      'runner-autopilot ledger: name a fleet; fleets: manager, jobs-instance, jobs-docker',
    );
  });
});
