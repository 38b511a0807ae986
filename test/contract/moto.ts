import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * moto server, an AWS emulator independent of our fakes, for the contract suites. Each test file
 * starts its own server on a free port (jest runs files in parallel workers; one shared server
 * would see another file's resets) and stops it by its pid in `afterAll`.
 */
export interface Moto {
  readonly endpoint: string;
  /** `POST /moto-api/reset`: clears every service's state. */
  readonly reset: () => Promise<void>;
  readonly stop: () => Promise<void>;
}

/** Set by test/global-setup.ts once per run, so each file does not probe Python again. */
export const MOTO_AVAILABLE_ENV = 'RUNNER_AUTOPILOT_MOTO';

export const probeMoto = (): boolean =>
  spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', timeout: 30_000 }).status === 0;

export const motoAvailable = (): boolean => process.env[MOTO_AVAILABLE_ENV] === '1';

/** `describe` when moto is installed, `describe.skip` otherwise (global set-up printed why). */
export const describeWithMoto = (name: string, body: () => void): void =>
  (motoAvailable() ? describe : describe.skip)(name, body);

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const waitUntilUp = async (endpoint: string, child: ChildProcess, budgetMs: number): Promise<void> => {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`moto server exited with ${child.exitCode} before it answered`);
    try {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`moto server did not answer on ${endpoint} within ${budgetMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

export const startMoto = async (budgetMs = 20_000): Promise<Moto> => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  try {
    await waitUntilUp(endpoint, child, budgetMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.pid === undefined) return resolve();
        child.once('exit', () => resolve());
        process.kill(child.pid, 'SIGTERM');
      }),
  };
};

/**
 * Points every SDK client built from now on at moto (the SDK honours AWS_ENDPOINT_URL) and
 * returns a function that restores the environment. Adapters memoise their clients: reset them
 * after calling this.
 */
export const useMotoEndpoint = (moto: Moto): (() => void) => {
  const saved = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  return () => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved;
  };
};

/** Starting moto and loading its first services, on a machine shared with other test runs. */
const MOTO_START_MS = 60_000;

/**
 * Inside a `describe`: one moto server for its tests, the SDK pointed at it, reset (and the
 * adapters' memoised clients dropped) before each test, stopped by its pid after the last.
 * `afterStart` seeds what every test needs once (a warm-up call); `afterReset` what each needs
 * (a table, documents). Returns the running server.
 */
export const useMotoServer = (hooks: {
  readonly resetClients: () => void;
  readonly afterStart?: (moto: Moto) => Promise<void>;
  readonly afterReset?: (moto: Moto) => Promise<void>;
}): (() => Moto) => {
  let moto: Moto | undefined;
  let restoreEnv: (() => void) | undefined;
  const running = (): Moto => {
    if (!moto) throw new Error('moto server did not start');
    return moto;
  };
  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useMotoEndpoint(moto);
    await hooks.afterStart?.(moto);
  }, MOTO_START_MS);
  beforeEach(async () => {
    await running().reset();
    hooks.resetClients();
    await hooks.afterReset?.(running());
  });
  // When start-up failed there is nothing to stop (startMoto killed its own server).
  afterAll(async () => {
    restoreEnv?.();
    hooks.resetClients();
    await moto?.stop();
  });
  return running;
};
