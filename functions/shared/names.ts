/**
 * Names that functions and infra both use, in a module with no imports: infra may import it
 * without pulling any runtime or SDK code into the synth.
 */

/** On our launch templates, images and snapshots: the deployment they belong to. */
export const DEPLOYMENT_TAG = 'runner-autopilot:deployment';
/** On canary instances: what the functions may terminate directly and send commands to. */
export const CANARY_TAG = 'runner-autopilot:canary';
/** On canary instances: the fleet whose candidate they test. */
export const FLEET_TAG = 'runner-autopilot:fleet';
/** On canary instances: the candidate they test. */
export const CANDIDATE_TAG = 'runner-autopilot:candidate';
/** On our images: the pipeline that baked them. */
export const PIPELINE_TAG = 'runner-autopilot:pipeline';
/** On our images: what they are for (`jobs` or `manager`). */
export const IMAGE_KIND_TAG = 'runner-autopilot:kind';
