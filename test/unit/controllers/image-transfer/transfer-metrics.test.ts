import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { ImageTransfer } from '../../../../src/api/v1alpha1/image-transfer.js';
import { TransferMetrics } from '../../../../src/controllers/image-transfer/transfer-metrics.js';
import type { DestinationProgress, TransferProgress } from '../../../../src/transfer/transfer-progress.js';

const destination = (host: string, fields: Partial<DestinationProgress>): DestinationProgress => ({
  host, path: '/p', phase: 'Transferring', bytesTransferred: 0, bytesSent: 0, attempts: 1, resumedFromBytes: 0, verified: false, alreadyPresent: false, ...fields,
});
const progress = (...destinations: DestinationProgress[]): TransferProgress => ({ phase: 'Transferring', bytesTotal: 100, bytesTransferred: 0, destinations, source: { bytesRead: 0, rangedReads: 0 } });

describe('[REQ-04][REQ-06] ImageTransfer metrics', () => {
  it('counts bytes sent per Host from the progress deltas, each ended destination once by result, and transfers by phase', async () => {
    const registry = new Registry();
    const cached: ImageTransfer[] = [
      { spec: { source: {} }, status: { phase: 'Succeeded' } }, { spec: { source: {} }, status: { phase: 'Succeeded' } }, { spec: { source: {} } },
    ];
    const metrics = new TransferMetrics(registry, { list: () => cached });
    const snapshots = [
      progress(destination('hv1', { bytesSent: 0 }), destination('hv2', { phase: 'Succeeded', alreadyPresent: true })),
      progress(destination('hv1', { bytesSent: 40 }), destination('hv2', { phase: 'Succeeded', alreadyPresent: true })),
      progress(destination('hv1', { bytesSent: 90, phase: 'Failed', reason: 'DigestMismatch' }), destination('hv2', { phase: 'Succeeded', alreadyPresent: true })),
      progress(destination('hv1', { bytesSent: 90, phase: 'Failed', reason: 'DigestMismatch' }), destination('hv2', { phase: 'Succeeded', alreadyPresent: true })),
    ];
    snapshots.forEach((snapshot, index) => metrics.observe(snapshots[index - 1], snapshot));
    metrics.observe(undefined, progress(destination('hv3', { bytesSent: 7, phase: 'Succeeded' })));
    const text = await registry.metrics();
    expect(text).to.contain('virtfleet_image_transfer_sent_bytes_total{host="hv1"} 90');
    expect(text).to.contain('virtfleet_image_transfer_sent_bytes_total{host="hv3"} 7');
    expect(text).to.not.contain('virtfleet_image_transfer_sent_bytes_total{host="hv2"}');
    expect(text).to.contain('virtfleet_image_transfer_destination_results_total{host="hv1",result="DigestMismatch"} 1');
    expect(text).to.contain('virtfleet_image_transfer_destination_results_total{host="hv2",result="AlreadyPresent"} 1');
    expect(text).to.contain('virtfleet_image_transfer_destination_results_total{host="hv3",result="Succeeded"} 1');
    expect(text).to.contain('virtfleet_image_transfers{phase="Succeeded"} 2');
    expect(text).to.contain('virtfleet_image_transfers{phase="Pending"} 1');
  });
});
