import { expect } from 'chai';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { AuditHeadPublisher } from '../../../src/security/audit-head-publisher.js';
import { FILE_ANNOTATION, HEAD_ANNOTATION, WRITER_ANNOTATION, formatChainHead, headConfigMapName } from '../../../src/security/audit-head.js';
import { openAuditLog, type AuditLog } from '../../../src/security/audit-log.js';
import type { TestApiServer } from '../../support/apiserver/index.js';
import { FakeClock } from '../../support/fake-clock.js';
import { virtfleet } from '../../support/run-virtfleet.js';
import { startServerWithNamespaces, waitFor } from '../controller/support.js';
import { AuditFileFixture, entry } from '../../unit/security/audit-fixtures.js';

const NAMESPACE = 'virtfleet-system';
const NAME = headConfigMapName('virtfleet-controller');
const INTERVAL_MS = 30_000;

describe('[REQ-05] audit chain head published to a ConfigMap, against the test API server', function () {
  this.timeout(30_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  let fixture: AuditFileFixture;
  let audit: AuditLog;
  let clock: FakeClock;

  beforeEach(async () => {
    ({ server, kubeConfig } = await startServerWithNamespaces(NAMESPACE));
    core = kubeConfig.makeApiClient(CoreV1Api);
    fixture = new AuditFileFixture();
    await fixture.append(3);
    audit = await openAuditLog({ sink: 'file', path: fixture.path }, { controller: 'virtfleet-0' });
    clock = new FakeClock();
  });

  afterEach(async () => {
    audit.close();
    fixture.cleanup();
    await server.stop();
  });

  function publisher(identity = 'virtfleet-0'): AuditHeadPublisher {
    return new AuditHeadPublisher({
      api: core, namespace: NAMESPACE, name: NAME, identity, file: fixture.path, head: () => audit.chainHead, intervalMs: INTERVAL_MS, clock,
    });
  }

  async function annotations(): Promise<Record<string, string> | undefined> {
    try {
      return (await core.readNamespacedConfigMap({ namespace: NAMESPACE, name: NAME })).metadata?.annotations;
    } catch {
      return undefined;
    }
  }

  it('publishes a moved head at each interval, creating the ConfigMap, and the final head on stop', async () => {
    const heads = publisher();
    heads.start();
    await clock.advance(INTERVAL_MS);
    expect(clock.pendingTimers, 'the next tick is scheduled').to.equal(1);
    expect(await annotations(), 'nothing written yet: the head has not moved').to.equal(undefined);

    audit.record(entry(4));
    await clock.advance(INTERVAL_MS);
    await waitFor('the head published', async () => (await annotations()) !== undefined);
    expect(await annotations()).to.include({ [HEAD_ANNOTATION]: formatChainHead(audit.chainHead), [WRITER_ANNOTATION]: 'virtfleet-0', [FILE_ANNOTATION]: fixture.path });

    audit.record(entry(5));
    await heads.stop();
    expect((await annotations())?.[HEAD_ANNOTATION]).to.equal(`5:${audit.chainHead.lastLineHash}`);
    expect(clock.pendingTimers).to.equal(0);
  });

  it('lets a standby that audits nothing leave the leader\'s head alone', async () => {
    const leader = publisher('leader');
    audit.record(entry(4));
    await leader.stop();
    const standby = publisher('standby');
    standby.start();
    await clock.advance(3 * INTERVAL_MS);
    await standby.stop();
    expect(await annotations()).to.include({ [WRITER_ANNOTATION]: 'leader', [HEAD_ANNOTATION]: formatChainHead(audit.chainHead) });
  });

  it('lets `virtfleet audit verify --head-from-cluster` see the file cut after the head was published', async () => {
    const heads = publisher();
    audit.record(entry(4));
    audit.record(entry(5));
    await heads.stop();
    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = server.kubeconfigPath;
    try {
      const intact = await virtfleet('audit', 'verify', fixture.path, '--head-from-cluster');
      expect(intact.code, intact.err).to.equal(0);
      expect(intact.out).to.match(/^published chain head: seq 5, hash [0-9a-f]{64} \(writer virtfleet-0, file .*audit\.log, published .*\)\nok: 5 records\n/);

      fixture.writeLines(fixture.lines().slice(0, 3));
      const cut = await virtfleet('audit', 'verify', fixture.path, '--head-from-cluster', `${NAMESPACE}/${NAME}`);
      expect(cut.code).to.equal(1);
      expect(cut.out).to.contain('behind head: the log ends at seq 3 but the published chain head is seq 5');

      const absent = await virtfleet('audit', 'verify', fixture.path, '--head-from-cluster', `${NAMESPACE}/absent`);
      expect(absent.code).to.equal(2);
      expect(absent.err).to.contain(`cannot read the published chain head from ConfigMap ${NAMESPACE}/absent`);
    } finally {
      if (previous === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previous;
    }
  });
});
