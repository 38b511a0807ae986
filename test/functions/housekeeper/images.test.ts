import type { ImageFacts } from '../../../functions/housekeeper/decide';
import { houseKeepImages } from '../../../functions/housekeeper/images';
import type { ImagePorts } from '../../../functions/housekeeper/ports';
import { Failures } from '../../../functions/shared/failures';
import { makeLogger } from '../../../functions/shared/observability';
import { logEntries } from '../../helpers/output';

const NOW = new Date('2026-11-30T03:30:00Z');
const OLD = '2026-08-01T00:00:00Z';

const image = (imageId: string, snapshotIds: string[], creationDate = OLD): ImageFacts => ({
  imageId,
  creationDate,
  state: 'available',
  snapshotIds,
});

const fakePorts = (images: ImageFacts[]) => ({
  findImagesByTag: jest.fn<Promise<ImageFacts[]>, [Record<string, string>]>(() => Promise.resolve(images)),
  findInstancesUsingImages: jest.fn<Promise<{ imageId: string }[]>, [readonly string[]]>(() =>
    Promise.resolve([]),
  ),
  deregisterImage: jest.fn<Promise<void>, [string]>(() => Promise.resolve()),
  deleteSnapshot: jest.fn<Promise<void>, [string]>(() => Promise.resolve()),
});

const deps = (ports: ImagePorts, dryRun = false) => {
  const logger = makeLogger('housekeeper');
  return {
    ports,
    settings: { deployment: 'gitlab-runners', amiRetentionDays: 30, dryRun },
    logger,
    failures: new Failures(logger, 'step failed'),
  };
};
const NO_REFS = { remainingVersions: [], rollouts: [] };

describe('houseKeepImages', () => {
  it('removes our old unreferenced AMIs with their snapshots, keeping those a version or an instance uses', async () => {
    const ports = fakePorts([
      image('ami-old', ['snap-old']),
      image('ami-kept', ['snap-kept']),
      image('ami-run', ['snap-run']),
    ]);
    ports.findInstancesUsingImages.mockResolvedValue([{ imageId: 'ami-run' }]);

    const result = await houseKeepImages(
      { ...NO_REFS, remainingVersions: [{ imageId: 'ami-kept' }] },
      NOW,
      deps(ports),
    );

    expect(ports.findImagesByTag).toHaveBeenCalledWith({ 'runner-autopilot:deployment': 'gitlab-runners' });
    expect(ports.findInstancesUsingImages).toHaveBeenCalledWith(['ami-old', 'ami-run']);
    expect(ports.deregisterImage.mock.calls).toEqual([['ami-old']]);
    expect(ports.deleteSnapshot.mock.calls).toEqual([['snap-old']]);
    expect(result).toEqual({
      plans: [{ imageId: 'ami-old', snapshotIds: ['snap-old'] }],
      imagesDeregistered: 1,
      snapshotsDeleted: 1,
    });
  });

  it('removes nothing in a dry run, and returns the plans', async () => {
    const ports = fakePorts([image('ami-old', ['snap-old'])]);

    const result = await houseKeepImages(NO_REFS, NOW, deps(ports, true));

    expect(ports.deregisterImage).not.toHaveBeenCalled();
    expect(ports.deleteSnapshot).not.toHaveBeenCalled();
    expect(result).toEqual({
      plans: [{ imageId: 'ami-old', snapshotIds: ['snap-old'] }],
      imagesDeregistered: 0,
      snapshotsDeleted: 0,
    });
  });

  it('deletes no snapshot of an AMI it could not deregister, records that once and goes on', async () => {
    const denied = new Error('UnauthorizedOperation');
    const ports = fakePorts([image('ami-1', ['snap-1']), image('ami-2', ['snap-2'])]);
    ports.deregisterImage.mockImplementation((id) =>
      id === 'ami-1' ? Promise.reject(denied) : Promise.resolve(),
    );
    const d = deps(ports);

    const result = await houseKeepImages(NO_REFS, NOW, d);

    expect(ports.deleteSnapshot.mock.calls).toEqual([['snap-2']]);
    expect(result).toMatchObject({ imagesDeregistered: 1, snapshotsDeleted: 1 });
    expect(logEntries().map((l) => l.message)).toEqual(['image not deregistered']);
    expect(() => d.failures.throwIfAny('housekeeping', 'done')).toThrow(
      'housekeeping failed (1): image ami-1: UnauthorizedOperation; done',
    );
  });

  it('records a snapshot it could not delete and deletes the others', async () => {
    const ports = fakePorts([image('ami-1', ['snap-a', 'snap-b'])]);
    ports.deleteSnapshot.mockImplementation((id) =>
      id === 'snap-a' ? Promise.reject(new Error('InvalidSnapshot.InUse')) : Promise.resolve(),
    );
    const d = deps(ports);

    const result = await houseKeepImages(NO_REFS, NOW, d);

    expect(result).toMatchObject({ imagesDeregistered: 1, snapshotsDeleted: 1 });
    expect(() => d.failures.throwIfAny('housekeeping', 'done')).toThrow(
      'snapshot snap-a of ami-1: InvalidSnapshot.InUse',
    );
  });
});
