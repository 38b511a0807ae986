import { MOTO_AVAILABLE_ENV, probeMoto } from './contract/moto';

/** CI sets it: there the contract suites must meet moto, never silently skip it. */
const REQUIRE_MOTO_ENV = 'RUNNER_AUTOPILOT_REQUIRE_MOTO';

/** Once per run: is moto server here? The contract suites' moto half runs only if it is. */
export default function globalSetup(): void {
  const available = probeMoto();
  process.env[MOTO_AVAILABLE_ENV] = available ? '1' : '0';
  if (!available && process.env[REQUIRE_MOTO_ENV] === '1')
    throw new Error(
      `${REQUIRE_MOTO_ENV}=1 but python3 cannot import moto.server: install moto to run the contract suites`,
    );
  if (!available)
    process.stdout.write(
      '\nmoto server not found (python3 -m moto.server): the contract suites run against our fakes only. Install it with `pip install "moto[server]"` (README, "Tests").\n',
    );
}
