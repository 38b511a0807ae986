/**
 * The AWS API operations this function calls, as IAM actions: its role grants exactly these (plus
 * what they imply, see test/infra/api-operations.test.ts), and that test checks the list against
 * the SDK commands compiled into the bundle. A new call goes here first.
 */
import { ADVANCE_OPERATIONS } from '../shared/rollout/api-operations';

/** `advance` (any step of a rollout), and listing the pipelines' images for a lost image. */
export const API_OPERATIONS = [...ADVANCE_OPERATIONS, 'imagebuilder:ListImagePipelineImages'] as const;
