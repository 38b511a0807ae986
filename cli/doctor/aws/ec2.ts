import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  type LaunchTemplateInstanceMetadataOptions,
} from '@aws-sdk/client-ec2';

import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

/** What doctor reads of a launch template beyond the rollout's own `getLaunchTemplate`. */

const client = /* @__PURE__ */ memoClient(() => new EC2Client(clientConfig));
export const resetDoctorEc2Client = (): void => client.reset();

export interface TemplateSettings {
  readonly tags: Readonly<Record<string, string>>;
  /** The `$Default` version's number and the settings doctor checks. */
  readonly defaultVersion: {
    readonly number: number;
    /** `MetadataOptions` as the version holds them (empty when it sets none). */
    readonly metadataOptions: LaunchTemplateInstanceMetadataOptions;
    /** `IamInstanceProfile`: an ARN or a name, or neither when the version names no profile. */
    readonly instanceProfile?: { readonly arn?: string; readonly name?: string };
  };
}

/**
 * The tags of an existing template (DescribeLaunchTemplates carries them) and its `$Default`
 * version's metadata options and instance profile (DescribeLaunchTemplateVersions with `$Default`).
 * A template that does not exist throws (`getLaunchTemplate` answers that question first).
 */
export const describeTemplateSettings = async (launchTemplateId: string): Promise<TemplateSettings> => {
  const [templates, versions] = await Promise.all([
    client.get().send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [launchTemplateId] })),
    client.get().send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: launchTemplateId,
        Versions: ['$Default'],
      }),
    ),
  ]);
  const version = versions.LaunchTemplateVersions?.[0];
  const profile = version?.LaunchTemplateData?.IamInstanceProfile;
  return {
    tags: Object.fromEntries(
      (templates.LaunchTemplates?.[0]?.Tags ?? []).flatMap((t) =>
        t.Key === undefined ? [] : [[t.Key, t.Value ?? '']],
      ),
    ),
    defaultVersion: {
      number: version?.VersionNumber ?? 0,
      metadataOptions: version?.LaunchTemplateData?.MetadataOptions ?? {},
      ...(profile?.Arn || profile?.Name
        ? {
            instanceProfile: {
              ...(profile.Arn ? { arn: profile.Arn } : {}),
              ...(profile.Name ? { name: profile.Name } : {}),
            },
          }
        : {}),
    },
  };
};
