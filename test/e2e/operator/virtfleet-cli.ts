/** [REQ-01] The `virtfleet` command on the TypeScript sources (what bin/virtfleet.js runs from dist/), for e2e tests. */
import { runCli } from '../../../src/cli/index.js';

process.exitCode = await runCli(process.argv.slice(2));
