import type { RolloutFacts } from '../../../functions/housekeeper/decide';
import type { TemplatePorts } from '../../../functions/housekeeper/ports';
import { houseKeepTemplates } from '../../../functions/housekeeper/templates';
import { Failures } from '../../../functions/shared/failures';
import { makeLogger } from '../../../functions/shared/observability';
import { logEntries } from '../../helpers/output';

const JOBS = { name: 'jobs', autoScalingGroup: 'jobs-group', launchTemplate: 'jobs-template' };
const MANAGER = { name: 'manager', autoScalingGroup: 'manager-group', launchTemplate: 'manager-template' };
const NO_ROLLOUTS = new Map<string, RolloutFacts[]>([
  ['jobs', []],
  ['manager', []],
]);

type Version = { version: number; imageId?: string; isDefault: boolean };
type Deletion = { deleted: number[]; failed: { version: number; code: string; message: string }[] };
type GroupFacts = {
  launchTemplate?: { version?: string };
  instances: { launchTemplateVersion?: string }[];
};

/** Each template: versions 1-5, default 5; with keepVersions 2, versions 1, 2 and 3 go. */
const fakePorts = () => ({
  getLaunchTemplate: jest.fn<
    Promise<{ launchTemplateId: string; defaultVersion: number } | undefined>,
    [string]
  >((name) => Promise.resolve({ launchTemplateId: `lt-${name}`, defaultVersion: 5 })),
  listLaunchTemplateVersions: jest.fn<Promise<Version[]>, [string]>(() =>
    Promise.resolve(
      [1, 2, 3, 4, 5].map((version) => ({ version, imageId: `ami-${version}`, isDefault: version === 5 })),
    ),
  ),
  describeGroup: jest.fn<Promise<GroupFacts | undefined>, [string]>(() =>
    Promise.resolve({ launchTemplate: { version: '$Default' }, instances: [] }),
  ),
  findInstancesByTag: jest.fn<
    Promise<{ launchTemplateVersion?: string }[]>,
    [Record<string, string>, string[]]
  >(() => Promise.resolve([])),
  deleteLaunchTemplateVersions: jest.fn<Promise<Deletion>, [string, number[]]>((_id, versions) =>
    Promise.resolve({ deleted: versions, failed: [] }),
  ),
});

const deps = (ports: TemplatePorts, dryRun = false) => {
  const logger = makeLogger('housekeeper');
  return {
    ports,
    settings: { keepVersions: 2, dryRun },
    logger,
    failures: new Failures(logger, 'step failed'),
  };
};

describe('houseKeepTemplates', () => {
  it('deletes the old versions of each template and keeps the rest as remaining', async () => {
    const ports = fakePorts();

    const result = await houseKeepTemplates([JOBS, MANAGER], NO_ROLLOUTS, deps(ports));

    expect(ports.deleteLaunchTemplateVersions.mock.calls).toEqual([
      ['lt-jobs-template', [1, 2, 3]],
      ['lt-manager-template', [1, 2, 3]],
    ]);
    expect(result).toMatchObject({ templateCount: 2, missingTemplates: [], everyTemplateRead: true });
    expect(result.planned.map((t) => [t.deleted, t.remaining.map((v) => v.version)])).toEqual([
      [3, [4, 5]],
      [3, [4, 5]],
    ]);
  });

  it('deletes nothing in a dry run, and reports the planned versions as gone from remaining', async () => {
    const ports = fakePorts();

    const result = await houseKeepTemplates([JOBS], NO_ROLLOUTS, deps(ports, true));

    expect(ports.deleteLaunchTemplateVersions).not.toHaveBeenCalled();
    expect(result.planned.map((t) => [t.deleted, t.plan.delete, t.remaining.map((v) => v.version)])).toEqual([
      [0, [1, 2, 3], [4, 5]],
    ]);
  });

  it('records each refused version once (logged with its code) and keeps it among the remaining', async () => {
    const ports = fakePorts();
    ports.deleteLaunchTemplateVersions.mockResolvedValue({
      deleted: [1],
      failed: [
        { version: 2, code: 'launchTemplateVersionDoesNotExist', message: 'gone' },
        { version: 3, code: 'unexpectedError', message: 'try later' },
      ],
    });
    const d = deps(ports);

    const result = await houseKeepTemplates([JOBS], NO_ROLLOUTS, d);

    expect(result.planned.map((t) => [t.deleted, t.remaining.map((v) => v.version)])).toEqual([
      [2, [3, 4, 5]],
    ]);
    expect(d.failures.count).toBe(1);
    expect(
      logEntries()
        .filter((l) => l.level === 'ERROR')
        .map((l) => l.message),
    ).toEqual(['launch template version not deleted']);
    expect(() => d.failures.throwIfAny('housekeeping', 'done')).toThrow(
      'housekeeping failed (1): launch template jobs-template version 3: unexpectedError try later; done',
    );
  });

  it('skips, without reading it, a template whose fleets’ rollouts are unknown', async () => {
    const ports = fakePorts();

    const result = await houseKeepTemplates([JOBS, MANAGER], new Map([['jobs', []]]), deps(ports));

    expect(ports.getLaunchTemplate.mock.calls).toEqual([['jobs-template']]);
    expect(result).toMatchObject({ templateCount: 2, everyTemplateRead: false });
  });

  it('reports a template that does not exist, without failing', async () => {
    const ports = fakePorts();
    ports.getLaunchTemplate.mockResolvedValue(undefined);
    const d = deps(ports);

    const result = await houseKeepTemplates([JOBS], NO_ROLLOUTS, d);

    expect(result).toMatchObject({
      planned: [],
      missingTemplates: ['jobs-template'],
      everyTemplateRead: true,
    });
    expect(d.failures.count).toBe(0);
  });

  it('goes on past a template it cannot read, and no longer counts every template as read', async () => {
    const ports = fakePorts();
    ports.listLaunchTemplateVersions.mockImplementation((id) =>
      id === 'lt-jobs-template'
        ? Promise.reject(new Error('Rate exceeded'))
        : Promise.resolve([{ version: 1, isDefault: true }]),
    );
    const d = deps(ports);

    const result = await houseKeepTemplates([JOBS, MANAGER], NO_ROLLOUTS, d);

    expect(result.planned.map((t) => t.plan.launchTemplateName)).toEqual(['manager-template']);
    expect(result.everyTemplateRead).toBe(false);
    expect(() => d.failures.throwIfAny('housekeeping', 'done')).toThrow(
      'launch template jobs-template: Rate exceeded',
    );
  });

  it('keeps the versions groups, their instances and tagged instances use', async () => {
    const ports = fakePorts();
    ports.describeGroup.mockResolvedValue({
      launchTemplate: { version: '1' },
      instances: [{ launchTemplateVersion: '2' }],
    });
    ports.findInstancesByTag.mockResolvedValue([{ launchTemplateVersion: '3' }]);

    await houseKeepTemplates([JOBS], NO_ROLLOUTS, deps(ports));

    expect(ports.findInstancesByTag).toHaveBeenCalledWith(
      { 'aws:ec2launchtemplate:id': 'lt-jobs-template' },
      ['pending', 'running', 'stopping', 'stopped'],
    );
    expect(ports.deleteLaunchTemplateVersions).not.toHaveBeenCalled();
  });
});
