import type { Pipeline } from '../../functions/shared/config';

/**
 * The CPU architecture of an instance type, from its family: Graviton families carry a `g` among
 * the letters after the generation (c7g, m6gd, t4g, c6gn, x2gd, im4gn), and `a1` is the first
 * Graviton. Undefined when the name does not look like `<family><generation><attributes>.<size>`.
 */
export const instanceTypeArchitecture = (instanceType: string): Pipeline['architecture'] | undefined => {
  const family = instanceType.split('.')[0] ?? '';
  if (family === 'a1') return 'arm64';
  const match = /^[a-z]+\d+([a-z]*)$/.exec(family);
  if (!match) return undefined;
  return match[1]?.includes('g') ? 'arm64' : 'x86_64';
};

const exampleType: Record<Pipeline['architecture'], string> = { x86_64: 'c7a.large', arm64: 'c7g.large' };

/** Throws with the bad value and the fix when the build instances cannot run the image's architecture. */
export const validatePipeline = (pipeline: Pipeline, runnerVersion: string): void => {
  if (!/^\d+\.\d+\.\d+$/.test(runnerVersion))
    throw new Error(`runnerVersion "${runnerVersion}" is not an exact version: use one such as 18.6.2`);
  for (const instanceType of pipeline.instanceTypes) {
    const arch = instanceTypeArchitecture(instanceType);
    if (arch && arch !== pipeline.architecture)
      throw new Error(
        `pipeline "${pipeline.name}": instance type "${instanceType}" is ${arch} but the image is ${pipeline.architecture}: ` +
          `use a ${pipeline.architecture} type such as ${exampleType[pipeline.architecture]}, or set architecture: ${arch}`,
      );
  }
};
