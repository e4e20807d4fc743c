/**
 * [REQ-04][REQ-06] ImageTransfer metrics: `virtfleet_image_transfers{phase}` (gauge, counted from the informer
 * cache when scraped), `virtfleet_image_transfer_sent_bytes_total{host}` (bytes this process sent over SSH to each
 * destination Host, resumed and re-sent bytes included, holes and cache hits not), and
 * `virtfleet_image_transfer_destination_results_total{host,result}` (each destination that ended in this process:
 * `Succeeded`, `AlreadyPresent` for a cache hit, or the failure reason, e.g. DigestMismatch, InsufficientStorage).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ImageTransfer } from '../../api/v1alpha1/image-transfer.js';
import type { TransferProgress } from '../../transfer/transfer-progress.js';

export class TransferMetrics {
  private readonly sentBytes: Counter<'host'>;
  private readonly results: Counter<'host' | 'result'>;

  constructor(registry: Registry, cache: { list(): ImageTransfer[] }) {
    const registers = [registry];
    new Gauge({
      name: 'virtfleet_image_transfers',
      help: 'ImageTransfers by phase.',
      labelNames: ['phase'],
      registers,
      collect() {
        this.reset();
        for (const transfer of cache.list()) this.inc({ phase: transfer.status?.phase ?? 'Pending' });
      },
    });
    this.sentBytes = new Counter({
      name: 'virtfleet_image_transfer_sent_bytes_total',
      help: 'Image bytes sent over SSH to each destination Host (holes and cache hits send nothing).',
      labelNames: ['host'],
      registers,
    });
    this.results = new Counter({
      name: 'virtfleet_image_transfer_destination_results_total',
      help: 'Destinations that ended, by Host and result (Succeeded, AlreadyPresent, or the failure reason).',
      labelNames: ['host', 'result'],
      registers,
    });
  }

  /** One job's progress after `previous` (its snapshot before, undefined for the first). */
  observe(previous: TransferProgress | undefined, progress: TransferProgress): void {
    progress.destinations.forEach((destination, index) => {
      const before = previous?.destinations[index];
      const sent = destination.bytesSent - (before?.bytesSent ?? 0);
      if (sent > 0) this.sentBytes.inc({ host: destination.host }, sent);
      const ended = destination.phase === 'Succeeded' || destination.phase === 'Failed';
      if (!ended || before?.phase === destination.phase) return;
      const result = destination.phase === 'Failed' ? destination.reason ?? 'Failed' : destination.alreadyPresent ? 'AlreadyPresent' : 'Succeeded';
      this.results.inc({ host: destination.host, result });
    });
  }
}
