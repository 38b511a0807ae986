import { mapLines } from '../../../../functions/shared/runner-config/lines';

describe('mapLines', () => {
  const text = [
    'a = 1', // 1
    '# comment = 2', // 2
    'multi = """', // 3
    'b = not a key', // 4
    '"""', // 5
    'list = [', // 6
    '  "[x]",', // 7
    ']', // 8
    '[[runners]]', // 9
    '  name = "one"', // 10
    '  [runners.autoscaler.plugin_config]', // 11
    '    name = "g1"', // 12
    '  [[runners.autoscaler.policy]]', // 13
    '  [[runners.autoscaler.policy]]', // 14
    '    idle_count = 1', // 15
    '[[runners]]', // 16
    '  "quoted.key" = 1', // 17
    '  dotted.key = 2', // 18
    '  inline = { x = 1 }', // 19
  ].join('\n');
  const lines = mapLines(text);

  it.each([
    [['a'], 1],
    [['multi'], 3],
    [['list'], 6],
    [['runners'], 9],
    [['runners', 0], 9],
    [['runners', 0, 'name'], 10],
    [['runners', 0, 'autoscaler'], 11],
    [['runners', 0, 'autoscaler', 'plugin_config', 'name'], 12],
    [['runners', 0, 'autoscaler', 'policy', 0], 13],
    [['runners', 0, 'autoscaler', 'policy', 1, 'idle_count'], 15],
    [['runners', 1], 16],
    [['runners', 1, 'quoted.key'], 17],
    [['runners', 1, 'dotted', 'key'], 18],
    [['runners', 1, 'inline', 'x'], 19],
    [['runners', 1, 'missing'], 16],
    [['nothing'], 1],
  ] as const)('puts %j on line %i', (path, line) => {
    expect(lines.lineOf(path)).toBe(line);
  });

  it('skips keys inside multi-line strings and arrays', () => {
    expect(lines.has(['b'])).toBe(false);
  });
});
