import { gitlabApi, GitLabUnreachable } from '../../../cli/doctor/gitlab-api';

/**
 * The GitLab token never in output or error text. A token that is not a valid header value (a
 * newline inside it, e.g. read from a file or an environment variable holding two lines) makes
 * fetch throw before any connection with `Headers.append: "<the token>" is an invalid header
 * value.`: doctor refuses such a token itself, without quoting it, and reports GitLab unreachable
 * only when it is. No request leaves the machine here: fetch refuses the header first.
 */

const TOKEN = 'glpat-Secret0123456789\nAbcdef';

describe('gitlabApi, a token that is not a valid header value', () => {
  it('refuses it without putting the token in the error', async () => {
    const error: unknown = await (async () =>
      gitlabApi('https://gitlab.invalid', TOKEN).listProjectHooks('platform/runner-images'))().then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain('glpat-Secret0123456789');
    expect(String((error as Error).message)).not.toContain('Abcdef');
  });

  it('says it is unreachable only when it really is (the token, not the network, is at fault)', async () => {
    const error: unknown = await (async () =>
      gitlabApi('https://gitlab.invalid', TOKEN).listProjectHooks('platform/runner-images'))().then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).not.toBeInstanceOf(GitLabUnreachable);
  });
});
