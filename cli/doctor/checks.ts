import { accountCheck } from './account';
import type { Check } from './doctor';
import { gitlabCheck } from './gitlab';
import { groupsCheck } from './groups';
import { rolesCheck } from './roles';

/** Every area's checks, in the order the report lists them: a new area is its module and one line here. */
export const CHECKS: readonly Check[] = [groupsCheck, rolesCheck, accountCheck, gitlabCheck()];
