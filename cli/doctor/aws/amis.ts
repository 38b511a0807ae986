import { EC2Client, paginateDescribeImages } from '@aws-sdk/client-ec2';

import { chunk } from '../../../functions/shared/chunk';
import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

const client = /* @__PURE__ */ memoClient(() => new EC2Client(clientConfig));
export const resetAmisClient = (): void => client.reset();

/** EC2 rejects more than 200 values in one call's filters (`FilterLimitExceeded`). */
const IDS_PER_CALL = 200;

export interface AmiFacts {
  readonly imageId: string;
  readonly name?: string;
  readonly ownerId?: string;
  /** ISO time, as EC2 writes it. */
  readonly creationDate?: string;
  /** `available`, `pending`, `failed`, `disabled`, `deregistered`... */
  readonly state?: string;
  /** ISO time the AMI is (or was) deprecated at. */
  readonly deprecationTime?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The AMIs among `imageIds` that EC2 still describes, whoever owns them: a launch template's
 * first AMI is often a public one (Ubuntu's), which the functions' own `describeImages`
 * (`Owners: self`) would not see. Ids go in an `image-id` filter, so a deregistered AMI is
 * simply absent instead of failing the call (EC2 lists one only briefly after its deregistration,
 * then returns nothing for it: DescribeImages, API reference). Deprecated and disabled AMIs are
 * included.
 */
export const describeAmis = async (imageIds: readonly string[]): Promise<AmiFacts[]> => {
  const found: AmiFacts[] = [];
  for (const batch of chunk([...new Set(imageIds)], IDS_PER_CALL)) {
    for await (const page of paginateDescribeImages(
      { client: client.get() },
      {
        Filters: [{ Name: 'image-id', Values: batch }],
        IncludeDeprecated: true,
        IncludeDisabled: true,
      },
    )) {
      for (const i of page.Images ?? []) {
        if (!i.ImageId) continue;
        found.push({
          imageId: i.ImageId,
          name: i.Name,
          ownerId: i.OwnerId,
          creationDate: i.CreationDate,
          state: i.State,
          deprecationTime: i.DeprecationTime,
          tags: Object.fromEntries((i.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : []))),
        });
      }
    }
  }
  return found;
};
