/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // middy is ESM-only and exports only an `import` condition: map it to its file and let swc
  // transform it (DESIGN.md, toolchain facts).
  moduleNameMapper: { '^@middy/(.*)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  transformIgnorePatterns: ['node_modules/(?!@middy/)'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  reporters: ['default', '<rootDir>/scripts/count-reporter.js'],
  clearMocks: true,
  restoreMocks: true,
};
