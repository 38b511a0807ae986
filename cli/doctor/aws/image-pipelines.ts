import { ImagebuilderClient, paginateListImagePipelines } from '@aws-sdk/client-imagebuilder';

import { chunk } from '../../../functions/shared/chunk';
import { clientConfig } from '../../../functions/shared/aws/client-config';
import { memoClient } from '../../../functions/shared/aws/memo-client';

const client = /* @__PURE__ */ memoClient(() => new ImagebuilderClient(clientConfig));
export const resetImagePipelinesClient = (): void => client.reset();

/** A ListImagePipelines filter takes 1-10 values (Image Builder API reference, `Filter.values`). */
const NAMES_PER_CALL = 10;

/**
 * The ARN of each of the named Image Builder pipelines that exists, by name: ListImagePipelines
 * with a `name` filter, 10 names a call, all pages. Only exact names are kept, whatever the
 * filter matches.
 */
export const findImagePipelines = async (names: readonly string[]): Promise<Map<string, string>> => {
  const wanted = new Set(names);
  const found = new Map<string, string>();
  for (const batch of chunk([...wanted], NAMES_PER_CALL)) {
    for await (const page of paginateListImagePipelines(
      { client: client.get() },
      { filters: [{ name: 'name', values: batch }] },
    )) {
      for (const p of page.imagePipelineList ?? [])
        if (p.name && p.arn && wanted.has(p.name)) found.set(p.name, p.arn);
    }
  }
  return found;
};
