import { contentVersion } from '../../../infra/image-builder/versioning';

describe('contentVersion', () => {
  it('is major.minor.patch of integers within Image Builder limits', () => {
    const version = contentVersion({ data: 'x' });

    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const node of version.split('.')) expect(Number(node)).toBeLessThanOrEqual(2 ** 30 - 1);
  });

  it('stays the same for the same content, whatever the key order', () => {
    expect(contentVersion({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      contentVersion({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
  });

  it.each([
    [{ data: 'x' }, { data: 'y' }],
    [{ list: [1, 2] }, { list: [2, 1] }],
    [{ a: 1 }, { a: '1' }],
  ])('changes when the content changes (%j vs %j)', (before, after) => {
    expect(contentVersion(after)).not.toBe(contentVersion(before));
  });
});
