import { join } from 'node:path';

import { describeConfig } from '../../infra/config-summary';
import { loadConfig } from '../../infra/load-config';

const EXAMPLE = join(__dirname, '..', '..', 'config', 'example.yaml');

describe('describeConfig', () => {
  it("says which pipeline feeds which fleet, when bakes run in each fleet's local time, and its windows", () => {
    const now = new Date('2026-06-03T10:00:00Z');

    const text = describeConfig(loadConfig(EXAMPLE), 'config/example.yaml', now);

    expect(text.split('\n')).toEqual([
      'config/example.yaml: deployment gitlab-runners in us-east-2, GitLab https://gitlab.example.com (runner 18.6.2)',
      'pipelines:',
      '  jobs (jobs image): bakes at "0 2 * * *" UTC; feeds jobs-instance, jobs-docker',
      '  manager (manager image): bakes at "30 2 * * 0" UTC; feeds manager',
      'webhook:',
      '  runner-images: pushes to platform/runner-images (branch main, tag v*, paths images/**, scripts/**) bake jobs, manager',
      'fleets:',
      '  manager (manager; group gitlab-runner-manager, template gitlab-runner-manager), local time UTC',
      '    fed by pipeline manager, next bake Sun 2026-06-07 02:30 UTC; rollout replaced in a maintenance window, rollback within 60 min on no named alarm',
      '    freeze: none',
      '    maintenance: "* 1-4 * * *" UTC, next from Thu 2026-06-04 01:00 UTC',
      '  jobs-instance (jobs; group gitlab-runner-ao-group, template gitlab-runner-autoscaler, scaled by manager), local time Europe/Berlin',
      '    fed by pipeline jobs, next bake Thu 2026-06-04 04:00 Europe/Berlin; rollout natural, rollback within 60 min on no named alarm',
      '    freeze: "* 12-23 * * 5" Europe/Berlin, next from Fri 2026-06-05 12:00 Europe/Berlin',
      '  jobs-docker (jobs; group gitlab-runner-ao-group-docker, template gitlab-runner-autoscaler, scaled by manager), local time UTC',
      '    fed by pipeline jobs, next bake Thu 2026-06-04 02:00 UTC; rollout recycle, rollback within 60 min on no named alarm',
      '    freeze: none',
      'alerts: 0 email(s), chat none',
      'housekeeping: keeps 10 template versions, AMIs unused for 30 days reported only (dryRun)',
    ]);
  });
});
