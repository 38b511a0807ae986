import fc from 'fast-check';

import { FLEET_METRICS, outcomeMetric } from '../../../functions/shared/metric-names';

describe('metric names', () => {
  it.each([
    ['deferred', 'Deferred'],
    ['unauthorized', 'Unauthorized'],
    ['candidate-staged', 'CandidateStaged'],
    ['no_match', 'NoMatch'],
  ])('counts outcome %s as %s', (outcome, metric) => {
    expect(outcomeMetric(outcome)).toBe(metric);
  });

  it('turns any kebab-case outcome into its words, capitalised and joined', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (words) => {
        const metric = outcomeMetric(words.join('-'));
        expect(metric).toMatch(/^[A-Z][A-Za-z0-9]*$/);
        expect(metric.toLowerCase()).toBe(words.join(''));
      }),
    );
  });

  it('names each fleet metric once', () => {
    const names = Object.values(FLEET_METRICS);
    expect(new Set(names).size).toBe(names.length);
  });
});
