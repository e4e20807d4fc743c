/** [REQ-06] Benchmark helper: runs the test API server in its own process so the controller's RSS is its own. */
import { fileURLToPath } from 'node:url';
import { startTestApiServer } from '../../test/support/apiserver/index.js';

const server = await startTestApiServer({ crdDir: fileURLToPath(new URL('../../crds', import.meta.url)) });
process.send?.({ kubeconfigPath: server.kubeconfigPath });
process.on('message', (message) => {
  if (message === 'stop') void server.stop().then(() => process.exit(0));
});
