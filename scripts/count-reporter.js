// Writes jest's own pass/fail counts for .ci/run's closing line.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class CountReporter {
  onRunComplete(_contexts, results) {
    const dir = join(__dirname, '..', '.test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${process.env.TEST_TIER ?? 'jest'}.json`),
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      }),
    );
  }
}

module.exports = CountReporter;
