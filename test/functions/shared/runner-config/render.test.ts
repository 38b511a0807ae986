import fc from 'fast-check';

import {
  configHash,
  parseValues,
  placeholdersOf,
  renderTemplate,
  type Values,
} from '../../../../functions/shared/runner-config/render';

const VALUES: Values = {
  url: 'https://gitlab.example.com',
  id: '7',
  token: { secureParameter: '/runner-autopilot/fleet/token' },
};
const TEMPLATE = 'url = "${url}"\nid = ${id}\ntoken = "${token}"\n';

describe('renderTemplate', () => {
  it('fills literals and renders secrets as dummies without a resolver', () => {
    const rendered = renderTemplate(TEMPLATE, VALUES);

    expect(rendered).toEqual({
      text: 'url = "https://gitlab.example.com"\nid = 7\ntoken = "secret:/runner-autopilot/fleet/token"\n',
      unresolved: [],
      secretsUsed: ['/runner-autopilot/fleet/token'],
    });
  });

  it('resolves secrets through the resolver, escaped for a TOML string', () => {
    const resolve = jest.fn((path: string) => `glrt-"${path}"\\`);

    const { text } = renderTemplate(TEMPLATE, VALUES, resolve);

    expect(resolve).toHaveBeenCalledWith('/runner-autopilot/fleet/token');
    expect(text).toContain('token = "glrt-\\"/runner-autopilot/fleet/token\\"\\\\"');
  });

  it('never inlines a secret without the resolver', () => {
    const { text } = renderTemplate(TEMPLATE, VALUES);

    expect(text).not.toMatch(/glrt-/);
    expect(text).toContain('secret:/runner-autopilot/fleet/token');
  });

  it('lists unresolved placeholders once each and leaves them in place', () => {
    const { text, unresolved } = renderTemplate('a = "${x}"\nb = "${y}${x}"\n', {});

    expect(unresolved).toEqual(['x', 'y']);
    expect(text).toBe('a = "${x}"\nb = "${y}${x}"\n');
  });

  it('writes $${ as a literal ${ and copies other dollar forms', () => {
    const { text, unresolved } = renderTemplate('a = "$${slot} ${UPPER} $HOME ${id}"', VALUES);

    expect(text).toBe('a = "${slot} ${UPPER} $HOME 7"');
    expect(unresolved).toEqual([]);
  });

  it('does not take values from the object prototype', () => {
    expect(renderTemplate('${constructor}', {}).unresolved).toEqual(['constructor']);
  });

  it('resolves every placeholder when every value is given', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            name,
            fc.string({ maxLength: 5 }).filter((s) => !/[\r\n$]/.test(s)),
          ),
          { minLength: 1 },
        ),
        fc.array(
          fc.string({ maxLength: 5 }).filter((s) => !s.includes('$')),
          { maxLength: 5 },
        ),
        (pairs, filler) => {
          const values: Values = Object.fromEntries(pairs);
          const template = pairs.map(([n], i) => `${filler[i] ?? ''}\${${n}}`).join('\n');

          const rendered = renderTemplate(template, values);

          expect(rendered.unresolved).toEqual([]);
          expect(rendered.text).not.toMatch(/\$\{[a-z]/);
        },
      ),
    );
  });
});

describe('placeholdersOf', () => {
  it('lists names in order of first use, without escaped ones', () => {
    expect(placeholdersOf('${b} $${a} ${c} ${b}')).toEqual(['b', 'c']);
  });
});

describe('parseValues', () => {
  it('accepts literals and secureParameter references', () => {
    expect(parseValues({ a: 'x', b: { secureParameter: '/p/q' } })).toEqual({
      a: 'x',
      b: { secureParameter: '/p/q' },
    });
  });

  it('reads JSON numbers and booleans as their text, where TOML wants a number or a boolean', () => {
    const values = parseValues({ capacity_per_instance: 2, idle_ratio: 0.5, privileged: false });

    expect(values).toEqual({ capacity_per_instance: '2', idle_ratio: '0.5', privileged: 'false' });
    expect(renderTemplate('capacity_per_instance = ${capacity_per_instance}\n', values).text).toBe(
      'capacity_per_instance = 2\n',
    );
  });

  it.each([
    ['a multi-line literal', { a: 'x\ny' }, /one line/],
    ['a relative parameter name', { a: { secureParameter: 'p' } }, /absolute/],
    ['an upper-case name', { A: 'x' }, /lowercase/],
    ['a null', { a: null }, /a/],
    ['an array', { a: [1] }, /a/],
    ['an unknown reference field', { a: { secureParameter: '/p', extra: 1 } }, /a/],
  ])('throws on %s', (_what, value, message) => {
    expect(() => parseValues(value, 'values.json')).toThrow(message);
  });
});

describe('configHash', () => {
  it('is stable and independent of value order', () => {
    const reordered: Values = { token: VALUES.token!, id: '7', url: VALUES.url! };

    expect(configHash(TEMPLATE, VALUES)).toBe(configHash(TEMPLATE, reordered));
    expect(configHash(TEMPLATE, VALUES)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['the template', `${TEMPLATE}# x\n`, VALUES],
    ['a literal', TEMPLATE, { ...VALUES, id: '8' }],
    ['a secret reference', TEMPLATE, { ...VALUES, token: { secureParameter: '/other' } }],
    ['a literal becoming a secret', TEMPLATE, { ...VALUES, id: { secureParameter: '7' } }],
    ['an added value', TEMPLATE, { ...VALUES, extra: '' }],
  ])('changes with %s', (_what, template, values) => {
    expect(configHash(template, values)).not.toBe(configHash(TEMPLATE, VALUES));
  });
});
