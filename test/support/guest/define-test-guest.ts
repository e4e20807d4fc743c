/** [REQ-03] Defines the test guest on a test host through virsh (the oracle), independent of SSH. */
import type { TestHost } from '../hosts/index.js';
import { defaultSerialLogPath, testGuestDomainXml } from './guest-domain.js';
import type { TestGuestOptions } from './guest-domain.js';

/** Writes the guest's domain XML into the host and `virsh define`s it; returns the serial log path. */
export async function defineTestGuest(host: TestHost, options: TestGuestOptions): Promise<string> {
  const xmlPath = `/tmp/virtfleet-guest-${options.name}.xml`;
  const xml = testGuestDomainXml(options);
  const write = await host.exec(['sh', '-c', `cat > '${xmlPath}' <<'VIRTFLEET_XML'\n${xml}VIRTFLEET_XML\n`]);
  if (write.code !== 0) throw new Error(`cannot write ${xmlPath} on ${host.name}: ${write.stderr}`);
  const define = await host.virsh(['define', xmlPath]);
  if (define.code !== 0) throw new Error(`virsh define ${options.name} failed on ${host.name}: ${define.stderr}`);
  return options.serialLogPath ?? defaultSerialLogPath(options.name);
}
