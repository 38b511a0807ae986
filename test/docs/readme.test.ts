import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README is written for an operator first (issue 11): the order, and nothing outside the repository. */
const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const headings = [...readme.matchAll(/^(#{2,3}) (.+)$/gm)].map(([, level, text]) => `${level} ${text}`);
const sectionOf = (heading: string): string => {
  const start = readme.indexOf(`\n${heading}\n`);
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next === -1 ? undefined : next);
};

describe('README', () => {
  it('starts with the rehearsal, puts the operator sections in order and Contributing last', () => {
    const top = headings.filter((h) => h.startsWith('## ')).map((h) => h.slice(3));

    expect(top).toEqual([
      'Try it first: rehearse a night',
      'Quick start',
      'Concepts',
      'Configuration',
      'Deploy',
      'Upgrade',
      'Teardown',
      'Debugging a failed bake or rollout',
      'What it costs',
      'Contributing',
    ]);
  });

  it('lists the prerequisites before install, config, check, plan and doctor, and deploy in the quick start', () => {
    const quick = headings.slice(headings.indexOf('## Quick start') + 1, headings.indexOf('## Concepts'));

    expect(quick).toEqual([
      '### Prerequisites',
      '### Install',
      '### Write a config',
      '### Check',
      '### Before you deploy: `plan` and `doctor`',
      '### Deploy',
    ]);
  });

  it('links no file outside the repository', () => {
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map(([, target]) => target!);

    expect(links.length).toBeGreaterThan(3);
    expect(links.filter((l) => l.startsWith('..') || l.startsWith('/'))).toEqual([]);
    expect(readme).not.toContain('../shared/');
  });

  it('has a newcomer run npm ci, then npm start, before anything else', () => {
    const first = readme.slice(0, readme.indexOf('## Quick start'));

    expect(first).toMatch(/```sh\nnpm ci\nnpm start\n```/);
    expect(first).toContain('](docs/rehearsal-report.png)');
    expect(existsSync(join(root, 'docs', 'rehearsal-report.png'))).toBe(true);
  });

  it('links the configuration reference and the architecture in docs/', () => {
    expect(readme).toContain('](docs/configuration.md)');
    expect(readme).toContain('](docs/architecture.md)');
  });

  it('keeps the developer set-up and the main job in Contributing', () => {
    const contributing = sectionOf('## Contributing');

    expect(contributing).toContain('npm ci\nnpm test\n');
    expect(contributing).toContain('npm run synth\n');
  });

  it('says what cdk destroy leaves behind, the retained ledger table first', () => {
    const teardown = sectionOf('## Teardown');

    expect(teardown).toContain('`<deployment>-autopilot-ledger`');
    expect(teardown).toContain('--no-deletion-protection-enabled');
    expect(teardown).toContain('aws ec2 deregister-image');
  });
});
