import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build } from 'esbuild';

import { esbuildOptions } from '../../infra/bundling';

/**
 * The SDK clients whose code ends up in a function's bundle (inputs with bytes in the output), not
 * only those esbuild parsed: `bundles.test.ts` reads the parsed inputs, so a client kept alive by an
 * unused top-level `memoClient(...)` call passes it. Each function here imports a pure helper of an
 * adapter module whose client it never calls (stage-candidate: `CommandRefusedError` of ssm.ts,
 * through the engine; apply-config: `scheduleName` of scheduler.ts, through rollout/common.ts).
 */
const clientsKept = async (name: string): Promise<string[]> => {
  const { metafile } = await build({ ...esbuildOptions(name, join(tmpdir(), `${name}.mjs`)), write: false });
  const inputs = Object.values(metafile?.outputs ?? {}).flatMap((o) =>
    Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0),
  );
  const clients = inputs.flatMap(([path]) => {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(path);
    return match?.[1] ? [match[1]] : [];
  });
  return [...new Set(clients)].sort();
};

describe('function bundles (code kept)', () => {
  it.each([
    ['stage-candidate', 'client-ssm'],
    ['apply-config', 'client-scheduler'],
  ])(
    '%s keeps no %s code: an adapter client it never calls is tree-shaken',
    async (name, client) => {
      expect(await clientsKept(name)).not.toContain(client);
    },
    60_000,
  );
});
