/**
 * Everything functions write (Powertools logs and EMF metrics go to stdout/stderr), captured per
 * test so tests can assert on log lines and metrics, and so a secret can be searched for.
 */
let lines: string[] = [];
let spies: jest.SpyInstance[] = [];

const record = (chunk: unknown): boolean => {
  lines.push(...String(chunk).split('\n').filter(Boolean));
  return true;
};

export const startCapture = (): void => {
  lines = [];
  spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(record),
    jest.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
};

export const stopCapture = (): void => {
  spies.forEach((s) => s.mockRestore());
  spies = [];
};

/**
 * Forgets what was captured so far (and the spies' call records): a test that plays hundreds of
 * scenarios keeps only the current one's output instead of growing without bound.
 */
export const clearCapture = (): void => {
  lines = [];
  spies.forEach((s) => s.mockClear());
};

/** All output of the current test, raw. */
export const output = (): string => lines.join('\n');

/** The structured (JSON) lines of the current test: log entries and EMF blobs. */
export const jsonLines = (): Record<string, unknown>[] =>
  lines.flatMap((l) => {
    try {
      const v = JSON.parse(l) as Record<string, unknown> | null;
      return typeof v === 'object' && v !== null ? [v] : [];
    } catch {
      return [];
    }
  });

export const logEntries = (): Record<string, unknown>[] => jsonLines().filter((l) => 'level' in l);

/** Names of the EMF metrics published during the current test. */
export const metricNames = (): string[] =>
  jsonLines().flatMap((l) => {
    const aws = l._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined;
    return aws?.CloudWatchMetrics?.flatMap((m) => m.Metrics.map((x) => x.Name)) ?? [];
  });
