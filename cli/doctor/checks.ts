import type { Check } from './doctor';
import { gitlabCheck } from './gitlab';

/** Every area's checks, in the order the report lists them: a new area is its module and one line here. */
export const CHECKS: readonly Check[] = [gitlabCheck()];
