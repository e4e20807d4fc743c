/**
 * [REQ-01][REQ-04] Step "is the image in the host's cache?": the digest-keyed cache file
 * `<imageCacheDir>/sha256-<hex>` and its format and virtual size, read with `qemu-img info` over SSH. Absent is an
 * answer (the VM waits for the image), not an error. A cache file never changes once present (its name is its
 * digest), so a found one is remembered per host and path and not asked again. The ImageTransfer controller fills
 * the cache; this is the one place the VM controller looks at it.
 */
import { CommandFailedError } from '../../errors/command-failed-error.js';
import type { ImageFormat } from '../../libvirt/domain-spec.js';
import type { VmHost } from './vm-host.js';

export type CachedImage = { present: true; path: string; format: ImageFormat; virtualSizeBytes: number } | { present: false; path: string };

export class ImageCache {
  private readonly known = new Map<string, CachedImage & { present: true }>();

  async check(host: VmHost, path: string, signal: AbortSignal): Promise<CachedImage> {
    const key = `${host.name}\u0000${path}`;
    const remembered = this.known.get(key);
    if (remembered !== undefined) return remembered;
    const result = await host.exec(['qemu-img', 'info', '-U', '--output=json', path], signal);
    if (result.code !== 0) {
      if (/No such file|does not exist/i.test(result.stderr)) return { present: false, path };
      throw new CommandFailedError(host.name, `qemu-img info ${path}`, result.code, result.stderr);
    }
    const info = JSON.parse(result.stdout) as { format?: string; 'virtual-size'?: number };
    const format: ImageFormat = info.format === 'qcow2' ? 'qcow2' : 'raw';
    const found = { present: true as const, path, format, virtualSizeBytes: info['virtual-size'] ?? 0 };
    this.known.set(key, found);
    return found;
  }
}
