import {
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  type Filter,
  type Image as Ec2Image,
  type Instance as Ec2Instance,
  type LaunchTemplateVersion,
  ModifyLaunchTemplateCommand,
  paginateDescribeImages,
  paginateDescribeInstances,
  paginateDescribeInstanceStatus,
  paginateDescribeLaunchTemplateVersions,
  RunInstancesCommand,
  type Tag,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';

import { PermanentError, TransientError } from '../errors';
import { clientConfig } from './client-config';
import { memoClient } from './memo-client';
import { chunk } from '../chunk';

const client = /* @__PURE__ */ memoClient(() => new EC2Client(clientConfig));
const ec2 = (): EC2Client => client.get();
export const resetEc2Client = (): void => client.reset();

/** DeleteLaunchTemplateVersions takes at most 200 version numbers per call. */
const DELETE_VERSIONS_BATCH = 200;
/** EC2 rejects more than 200 values in one call's filters (`FilterLimitExceeded`). */
const FILTER_VALUES_BATCH = 200;
/** TerminateInstances takes up to 1000 instance ids per call. */
const TERMINATE_BATCH = 1000;
/** DescribeInstances accepts MaxResults 5-1000 when filtering (not with InstanceIds). */
const INSTANCE_PAGE = 1000;
/** DescribeLaunchTemplateVersions accepts MaxResults 1-200. */
const VERSION_PAGE = 200;
/** CreateLaunchTemplateVersion: "Maximum 128 ASCII characters"; RunInstances: "Maximum 64". */
const LT_TOKEN_MAX = 128;
const RUN_TOKEN_MAX = 64;

/** Tags EC2 and Auto Scaling put on the instances they launch (users cannot set `aws:` tags). */
export const LAUNCH_TEMPLATE_VERSION_TAG = 'aws:ec2launchtemplate:version';
export const AUTO_SCALING_GROUP_TAG = 'aws:autoscaling:groupName';

export type LaunchTemplateVersionInfo = {
  version: number;
  imageId?: string;
  description?: string;
  isDefault: boolean;
};

export type Instance = {
  instanceId: string;
  state: string;
  launchTime?: Date;
  imageId?: string;
  /** The primary private IPv4 address (absent before one is assigned and after termination). */
  privateIpAddress?: string;
  tags: Record<string, string>;
  /** From the `aws:ec2launchtemplate:version` tag: absent when not launched from a template. */
  launchTemplateVersion?: string;
  /** From the `aws:autoscaling:groupName` tag. */
  autoScalingGroup?: string;
};

export type ImageInfo = {
  imageId: string;
  name?: string;
  creationDate?: string;
  state?: string;
  snapshotIds: string[];
  tags: Record<string, string>;
};

/**
 * CreateLaunchTemplateVersion answered with a `Warning`: the version **was created** (its number
 * is here) but has parameters or combinations EC2 considers invalid, so instances would fail to
 * launch from it. Permanent: a retry with the same client token returns the same version and the
 * same warning. The version is not the default; delete it or leave it to housekeeping.
 */
export class LaunchTemplateWarningError extends PermanentError {
  readonly version: number;
  readonly warnings: readonly { code: string; message: string }[];

  constructor(version: number, warnings: readonly { code: string; message: string }[]) {
    super(
      `launch template version ${version} was created with validation warnings: ` +
        warnings.map((w) => `${w.code}: ${w.message}`).join('; '),
    );
    this.version = version;
    this.warnings = warnings;
  }
}

const isNamed = (error: unknown, ...names: string[]): boolean =>
  error instanceof Error && names.includes(error.name);

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

const tagsOf = (tags: readonly Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']])));

const tagList = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** `tag:K = V` filters, refusing an empty set (it would match every resource in the account). */
const tagFilters = (tags: Record<string, string>): Filter[] => {
  const entries = Object.entries(tags);
  if (entries.length === 0) {
    throw new Error('tags must name at least one tag: an empty filter matches every resource');
  }
  return entries.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
};

const assertClientToken = (token: string, max: number, api: string): void => {
  // Printable ASCII only: the APIs count ASCII characters.
  if (token.length < 1 || token.length > max || !/^[\x20-\x7e]+$/.test(token)) {
    throw new Error(
      `clientToken ${JSON.stringify(token)} is not valid for ${api}: use 1-${max} printable ASCII characters`,
    );
  }
};

const toVersion = (v: LaunchTemplateVersion): LaunchTemplateVersionInfo[] =>
  v.VersionNumber === undefined
    ? []
    : [
        {
          version: v.VersionNumber,
          imageId: v.LaunchTemplateData?.ImageId,
          description: v.VersionDescription,
          isDefault: v.DefaultVersion ?? false,
        },
      ];

const toInstance = (i: Ec2Instance): Instance[] => {
  if (i.InstanceId === undefined) return [];
  const tags = tagsOf(i.Tags);
  return [
    {
      instanceId: i.InstanceId,
      state: i.State?.Name ?? 'unknown',
      launchTime: i.LaunchTime,
      imageId: i.ImageId,
      privateIpAddress: i.PrivateIpAddress,
      tags,
      launchTemplateVersion: tags[LAUNCH_TEMPLATE_VERSION_TAG],
      autoScalingGroup: tags[AUTO_SCALING_GROUP_TAG],
    },
  ];
};

const toImage = (i: Ec2Image): ImageInfo[] =>
  i.ImageId === undefined
    ? []
    : [
        {
          imageId: i.ImageId,
          name: i.Name,
          creationDate: i.CreationDate,
          state: i.State,
          snapshotIds: (i.BlockDeviceMappings ?? []).flatMap((m) =>
            m.Ebs?.SnapshotId === undefined ? [] : [m.Ebs.SnapshotId],
          ),
          tags: tagsOf(i.Tags),
        },
      ];

/**
 * One launch template by name or by id (exactly one of them). `undefined` when it does not exist:
 * EC2 answers a missing name with `InvalidLaunchTemplateName.NotFoundException` and a missing id
 * with `InvalidLaunchTemplateId.NotFound`. A malformed id or name still throws.
 */
export const getLaunchTemplate = async (nameOrId: {
  launchTemplateName?: string;
  launchTemplateId?: string;
}): Promise<
  | { launchTemplateId: string; launchTemplateName: string; defaultVersion: number; latestVersion: number }
  | undefined
> => {
  const { launchTemplateName, launchTemplateId } = nameOrId;
  if ((launchTemplateName === undefined) === (launchTemplateId === undefined)) {
    throw new Error('getLaunchTemplate needs exactly one of launchTemplateName and launchTemplateId');
  }
  try {
    const out = await ec2().send(
      new DescribeLaunchTemplatesCommand(
        launchTemplateId !== undefined
          ? { LaunchTemplateIds: [launchTemplateId] }
          : { LaunchTemplateNames: [launchTemplateName as string] },
      ),
    );
    const lt = out.LaunchTemplates?.[0];
    if (lt?.LaunchTemplateId === undefined) return undefined;
    return {
      launchTemplateId: lt.LaunchTemplateId,
      launchTemplateName: lt.LaunchTemplateName ?? '',
      defaultVersion: lt.DefaultVersionNumber ?? 0,
      latestVersion: lt.LatestVersionNumber ?? 0,
    };
  } catch (error) {
    if (isNamed(error, 'InvalidLaunchTemplateName.NotFoundException', 'InvalidLaunchTemplateId.NotFound')) {
      return undefined;
    }
    throw error;
  }
};

const describeVersions = async (
  launchTemplateId: string,
  versions: string[] | undefined,
): Promise<LaunchTemplateVersionInfo[]> => {
  const found: LaunchTemplateVersionInfo[] = [];
  for await (const page of paginateDescribeLaunchTemplateVersions(
    // MaxResults only when listing everything: with explicit versions, keep the API's default.
    versions === undefined ? { client: ec2(), pageSize: VERSION_PAGE } : { client: ec2() },
    // ResolveAlias: a template whose ImageId is `resolve:ssm:...` reports the AMI id it resolves to.
    { LaunchTemplateId: launchTemplateId, Versions: versions, ResolveAlias: true },
  )) {
    found.push(...(page.LaunchTemplateVersions ?? []).flatMap(toVersion));
  }
  return found;
};

/**
 * The named versions of a template (numbers, `$Latest`, `$Default`), all pages. An empty list
 * returns `[]` without calling AWS (the API would describe every version). A missing version throws
 * `InvalidLaunchTemplateId.VersionNotFound`, a missing template `InvalidLaunchTemplateId.NotFound`.
 */
export const getLaunchTemplateVersions = async (
  launchTemplateId: string,
  versions: string[],
): Promise<LaunchTemplateVersionInfo[]> =>
  versions.length === 0 ? [] : describeVersions(launchTemplateId, unique(versions));

/** Every version of a template (up to 10,000 per template), 200 per page, all pages. */
export const listLaunchTemplateVersions = async (
  launchTemplateId: string,
): Promise<LaunchTemplateVersionInfo[]> => describeVersions(launchTemplateId, undefined);

/**
 * Creates a version copied from `sourceVersion` (SourceVersion copies every setting) with only the
 * AMI replaced. The client token (1-128 ASCII characters) makes a repeat return the same version.
 * The new version is not the default. A `Warning` in the answer throws
 * {@link LaunchTemplateWarningError} (carrying the created version), see there.
 */
export const createCandidateVersion = async (input: {
  launchTemplateId: string;
  sourceVersion: number;
  imageId: string;
  description: string;
  clientToken: string;
}): Promise<{ version: number }> => {
  assertClientToken(input.clientToken, LT_TOKEN_MAX, 'CreateLaunchTemplateVersion');
  const out = await ec2().send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: input.launchTemplateId,
      SourceVersion: String(input.sourceVersion),
      LaunchTemplateData: { ImageId: input.imageId },
      VersionDescription: input.description,
      ClientToken: input.clientToken,
    }),
  );
  const version = out.LaunchTemplateVersion?.VersionNumber;
  if (version === undefined) {
    throw new TransientError(
      `CreateLaunchTemplateVersion for ${input.launchTemplateId} returned no version number`,
    );
  }
  const warnings = (out.Warning?.Errors ?? []).map((e) => ({ code: e.Code ?? '', message: e.Message ?? '' }));
  if (warnings.length > 0) throw new LaunchTemplateWarningError(version, warnings);
  return { version };
};

/**
 * Makes `version` the template's default (ModifyLaunchTemplate `DefaultVersion`). Idempotent.
 * Groups on `$Default` pick it up at their next launch; running instances are not replaced.
 */
export const setDefaultVersion = async (launchTemplateId: string, version: number): Promise<void> => {
  await ec2().send(
    new ModifyLaunchTemplateCommand({ LaunchTemplateId: launchTemplateId, DefaultVersion: String(version) }),
  );
};

/**
 * Deletes versions in batches of 200 (the API's limit per call). Versions EC2 refuses (the default
 * version, one already gone: `launchTemplateVersionDoesNotExist`, ...) come back in `failed` with
 * their code; only a failed call throws (e.g. `InvalidLaunchTemplateId.NotFound`).
 */
export const deleteLaunchTemplateVersions = async (
  launchTemplateId: string,
  versions: number[],
): Promise<{ deleted: number[]; failed: { version: number; code: string; message: string }[] }> => {
  const deleted: number[] = [];
  const failed: { version: number; code: string; message: string }[] = [];
  for (const batch of chunk(unique(versions), DELETE_VERSIONS_BATCH)) {
    const out = await ec2().send(
      new DeleteLaunchTemplateVersionsCommand({
        LaunchTemplateId: launchTemplateId,
        Versions: batch.map(String),
      }),
    );
    for (const ok of out.SuccessfullyDeletedLaunchTemplateVersions ?? []) {
      if (ok.VersionNumber !== undefined) deleted.push(ok.VersionNumber);
    }
    for (const ko of out.UnsuccessfullyDeletedLaunchTemplateVersions ?? []) {
      if (ko.VersionNumber === undefined) continue;
      failed.push({
        version: ko.VersionNumber,
        code: ko.ResponseError?.Code ?? 'unknown',
        message: ko.ResponseError?.Message ?? '',
      });
    }
  }
  return { deleted, failed };
};

/**
 * Launches one instance from exactly `version` of the template, with shutdown from inside the
 * instance terminating it, and the tags on the instance and its volumes. The client token (1-64
 * ASCII characters) makes a repeat return the same instance; the same token with other parameters
 * fails with `IdempotentParameterMismatch`. `subnetId`/`securityGroupIds` cannot be combined with a
 * template that defines network interfaces (EC2 rejects the request).
 */
export const runCanary = async (input: {
  launchTemplateId: string;
  version: number;
  subnetId?: string;
  securityGroupIds?: string[];
  tags: Record<string, string>;
  clientToken: string;
}): Promise<{ instanceId: string }> => {
  assertClientToken(input.clientToken, RUN_TOKEN_MAX, 'RunInstances');
  const tags = tagList(input.tags);
  const out = await ec2().send(
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateId: input.launchTemplateId, Version: String(input.version) },
      MinCount: 1,
      MaxCount: 1,
      InstanceInitiatedShutdownBehavior: 'terminate',
      ...(input.subnetId === undefined ? {} : { SubnetId: input.subnetId }),
      ...(input.securityGroupIds?.length ? { SecurityGroupIds: input.securityGroupIds } : {}),
      ...(tags.length
        ? {
            TagSpecifications: [
              { ResourceType: 'instance', Tags: tags },
              { ResourceType: 'volume', Tags: tags },
            ],
          }
        : {}),
      ClientToken: input.clientToken,
    }),
  );
  const instanceId = out.Instances?.[0]?.InstanceId;
  if (instanceId === undefined) {
    throw new TransientError(
      `RunInstances from ${input.launchTemplateId}:${input.version} returned no instance`,
    );
  }
  return { instanceId };
};

/** Ids in a filter, batched to the filter's 200 values: an id that does not exist is simply absent. */
const describeByIdFilter = async <T>(
  ids: string[],
  filterName: string,
  describe: (filters: Filter[]) => Promise<T[]>,
): Promise<T[]> => {
  const found: T[] = [];
  for (const batch of chunk(unique(ids), FILTER_VALUES_BATCH)) {
    found.push(...(await describe([{ Name: filterName, Values: batch }])));
  }
  return found;
};

const describeByFilters = async (filters: Filter[]): Promise<Instance[]> => {
  const found: Instance[] = [];
  for await (const page of paginateDescribeInstances(
    { client: ec2(), pageSize: INSTANCE_PAGE },
    { Filters: filters },
  )) {
    for (const reservation of page.Reservations ?? []) {
      found.push(...(reservation.Instances ?? []).flatMap(toInstance));
    }
  }
  return found;
};

/**
 * The instances among `instanceIds`, every reservation of every page. Ids go in an `instance-id`
 * **filter**, not `InstanceIds`: a filter leaves out ids that do not exist (long-terminated ones)
 * instead of failing the call with `InvalidInstanceID.NotFound`. Filters take at most 200 values
 * per call, so ids are batched by 200. Missing ids are simply absent from the result. Recently
 * terminated instances still appear (state `terminated`) for about an hour.
 */
export const describeInstances = (instanceIds: string[]): Promise<Instance[]> =>
  describeByIdFilter(instanceIds, 'instance-id', describeByFilters);

/**
 * Instances carrying every tag (`tag:K` filters, AND) and, if given, in one of `states`
 * (`instance-state-name`: pending, running, shutting-down, terminated, stopping, stopped), all
 * pages. At least one tag is required.
 */
export const findInstancesByTag = async (
  tags: Record<string, string>,
  states?: string[],
): Promise<Instance[]> =>
  describeByFilters([
    ...tagFilters(tags),
    ...(states?.length ? [{ Name: 'instance-state-name', Values: states }] : []),
  ]);

/**
 * Terminates instances in batches of 1000 (the API's limit). Idempotent: terminating a terminated
 * instance succeeds. A batch that fails with `InvalidInstanceID.NotFound` (an id terminated over
 * about an hour ago, now unknown to EC2) is retried once with only the ids that DescribeInstances
 * still knows and that are not yet terminated; the unknown ones count as gone. Caveat: an instance
 * launched seconds ago may not be visible yet (eventual consistency) and would be skipped, so do not
 * call this in the same breath as the launch.
 */
export const terminateInstances = async (instanceIds: string[]): Promise<void> => {
  for (const batch of chunk(unique(instanceIds), TERMINATE_BATCH)) {
    try {
      await ec2().send(new TerminateInstancesCommand({ InstanceIds: batch }));
    } catch (error) {
      if (!isNamed(error, 'InvalidInstanceID.NotFound')) throw error;
      const alive = (await describeInstances(batch))
        .filter((i) => i.state !== 'terminated')
        .map((i) => i.instanceId);
      if (alive.length > 0) await ec2().send(new TerminateInstancesCommand({ InstanceIds: alive }));
    }
  }
};

const describeImagesByFilters = async (filters: Filter[]): Promise<ImageInfo[]> => {
  const found: ImageInfo[] = [];
  for await (const page of paginateDescribeImages(
    { client: ec2() },
    // Our own AMIs only; disabled ones too (housekeeping must see them). Deprecated AMIs are always
    // listed for their owner.
    { Owners: ['self'], IncludeDisabled: true, IncludeDeprecated: true, Filters: filters },
  )) {
    found.push(...(page.Images ?? []).flatMap(toImage));
  }
  return found;
};

/**
 * Our own (`Owners: ['self']`) AMIs among `imageIds`, all pages. Like {@link describeInstances},
 * ids go in an `image-id` filter (200 values per call) so a missing id is absent from the result
 * instead of failing the call with `InvalidAMIID.NotFound`. AMIs shared with us by another
 * account are not returned.
 */
export const describeImages = (imageIds: string[]): Promise<ImageInfo[]> =>
  describeByIdFilter(imageIds, 'image-id', describeImagesByFilters);

/** Our own AMIs carrying every tag (AND), all pages. At least one tag is required. */
export const findImagesByTag = async (tags: Record<string, string>): Promise<ImageInfo[]> =>
  describeImagesByFilters(tagFilters(tags));

/**
 * Deregisters an AMI; its snapshots stay (delete them after, with {@link deleteSnapshot}).
 * Idempotent: an AMI already gone (`InvalidAMIID.NotFound`, `InvalidAMIID.Unavailable`) is done.
 */
export const deregisterImage = async (imageId: string): Promise<void> => {
  try {
    await ec2().send(new DeregisterImageCommand({ ImageId: imageId }));
  } catch (error) {
    if (!isNamed(error, 'InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable')) throw error;
  }
};

/**
 * Deletes a snapshot. Idempotent: `InvalidSnapshot.NotFound` is done. A snapshot still used by a
 * registered AMI throws `InvalidSnapshot.InUse`: deregister the AMI first.
 */
export const deleteSnapshot = async (snapshotId: string): Promise<void> => {
  try {
    await ec2().send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
  } catch (error) {
    if (!isNamed(error, 'InvalidSnapshot.NotFound')) throw error;
  }
};

/** EC2 rejects more than 200 values in one call's filters (`FilterLimitExceeded`). */
const IMAGE_FILTER_BATCH = 200;
/** Every state in which an instance still exists (and can be started again): all but `terminated`. */
export const EXISTING_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/**
 * The instances (any state but terminated) launched from one of `imageIds`, all pages, ids in
 * `image-id` filters of 200 values. An empty list returns `[]` without calling AWS (no filter would
 * describe every instance).
 */
export const findInstancesUsingImages = async (
  imageIds: readonly string[],
): Promise<{ instanceId: string; imageId: string; state: string }[]> => {
  const ids = [...new Set(imageIds)];
  const found: { instanceId: string; imageId: string; state: string }[] = [];
  for (let i = 0; i < ids.length; i += IMAGE_FILTER_BATCH) {
    for await (const page of paginateDescribeInstances(
      { client: ec2(), pageSize: INSTANCE_PAGE },
      {
        Filters: [
          { Name: 'image-id', Values: ids.slice(i, i + IMAGE_FILTER_BATCH) },
          { Name: 'instance-state-name', Values: EXISTING_STATES },
        ],
      },
    )) {
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (instance.InstanceId === undefined || instance.ImageId === undefined) continue;
          found.push({
            instanceId: instance.InstanceId,
            imageId: instance.ImageId,
            state: instance.State?.Name ?? 'unknown',
          });
        }
      }
    }
  }
  return found;
};

/** DescribeInstanceStatus accepts MaxResults 5-1000 (without InstanceIds). */
const STATUS_PAGE = 1000;

/**
 * The running instances of the account whose instance or system status check is `impaired`, with
 * the earliest `ImpairedSince` EC2 reports. Two filtered listings (filters AND across names), all
 * pages: the number of calls follows the impaired instances, not the fleet.
 */
export const impairedInstances = async (): Promise<Map<string, { since?: Date }>> => {
  const found = new Map<string, { since?: Date }>();
  for (const filter of ['instance-status.status', 'system-status.status']) {
    for await (const page of paginateDescribeInstanceStatus(
      { client: ec2(), pageSize: STATUS_PAGE },
      { Filters: [{ Name: filter, Values: ['impaired'] }] },
    )) {
      for (const s of page.InstanceStatuses ?? []) {
        if (s.InstanceId === undefined) continue;
        const since = [...(s.InstanceStatus?.Details ?? []), ...(s.SystemStatus?.Details ?? [])]
          .map((d) => d.ImpairedSince)
          .filter((d): d is Date => d instanceof Date)
          .sort((a, b) => a.getTime() - b.getTime())[0];
        const before = found.get(s.InstanceId)?.since;
        const earliest = before && since ? (before < since ? before : since) : (before ?? since);
        found.set(s.InstanceId, earliest ? { since: earliest } : {});
      }
    }
  }
  return found;
};
