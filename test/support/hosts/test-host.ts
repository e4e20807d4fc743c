/**
 * [REQ-03] One test hypervisor host: a container of the host image (sshd + libvirtd + QEMU) whose SSH port
 * is published on 127.0.0.1 at a port chosen up front, so the port stays the same across stop/start/restart.
 * Lifecycle faults (stop, kill, pause, network cut) act on the container through the Docker API, never
 * through SSH, so they work while the host is unreachable.
 */
import './testcontainers-env.js';
import { createHash } from 'node:crypto';
import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { waitForSshBanner } from '../loopback-port.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestHost {
  name: string;
  address: '127.0.0.1';
  sshPort: number;
  user: 'root';
  /** OpenSSH public key line of the host's ed25519 host key (pin it). */
  hostKeyLine: string;
  /** `SHA256:...` fingerprint of that key, as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  /** OpenSSH private key authorized for root on this host. */
  clientPrivateKey: string;
  containerId: string;
  /** Runs a command in the container through docker exec, independent of SSH. */
  exec(cmd: string[]): Promise<CommandResult>;
  /** The oracle: `virsh -c qemu:///system ARGS` inside the host. */
  virsh(args: string[]): Promise<CommandResult>;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** SIGKILL the whole host (sshd, libvirtd and guests); start() brings it back. */
  kill(): Promise<void>;
  /** Drops every packet arriving from outside the container: SSH over the mapped port hangs. */
  cutNetwork(): Promise<void>;
  restoreNetwork(): Promise<void>;
}

export interface TestHostSpec {
  image: string;
  name: string;
  sshPort: number;
  clientPrivateKey: string;
  authorizedKey: string;
}

/** A Docker container handle as testcontainers' runtime client hands it out (dockerode's Container). */
type DockerContainer = ReturnType<Awaited<ReturnType<typeof getContainerRuntimeClient>>['container']['getById']>;

const startupTimeoutMs = 90_000;
const sshReadyTimeoutMs = 60_000;
const stopGraceSeconds = 5;
const dropForeignTraffic = ['INPUT', '!', '-i', 'lo', '-j', 'DROP'];
export const testHostLabel = 'io.virtfleet.test-host';

/** GenericContainer whose SSH port is published on loopback only (testcontainers binds 0.0.0.0). */
class LoopbackSshContainer extends GenericContainer {
  withSshOnLoopback(hostPort: number): this {
    this.withExposedPorts({ container: 22, host: hostPort });
    this.hostConfig.PortBindings = {
      ...this.hostConfig.PortBindings,
      '22/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }],
    };
    return this;
  }
}

export class DockerTestHost implements TestHost {
  readonly address = '127.0.0.1' as const;
  readonly user = 'root' as const;

  private constructor(
    private readonly container: StartedTestContainer,
    private readonly docker: DockerContainer,
    readonly name: string,
    readonly sshPort: number,
    readonly clientPrivateKey: string,
    readonly hostKeyLine: string,
  ) {}

  /** Creates and starts the container, waits for sshd, and reads the host key it generated. */
  static async start(spec: TestHostSpec): Promise<DockerTestHost> {
    const container = await new LoopbackSshContainer(spec.image)
      .withName(spec.name)
      .withHostname(spec.name)
      .withLabels({ [testHostLabel]: 'true' })
      .withAddedCapabilities('SYS_ADMIN', 'NET_ADMIN')
      .withSecurityOpt('seccomp=unconfined', 'apparmor=unconfined')
      .withEnvironment({ VIRTFLEET_AUTHORIZED_KEYS: spec.authorizedKey })
      .withSshOnLoopback(spec.sshPort)
      .withWaitStrategy(Wait.forLogMessage(/Server listening on .* port 22/))
      .withStartupTimeout(startupTimeoutMs)
      .start();
    try {
      await waitForSshBanner(spec.sshPort, sshReadyTimeoutMs);
      const hostKey = await container.exec(['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
      if (hostKey.exitCode !== 0) throw new Error(`cannot read host key of ${spec.name}: ${hostKey.stderr}`);
      const client = await getContainerRuntimeClient();
      const docker = client.container.getById(container.getId());
      return new DockerTestHost(container, docker, spec.name, spec.sshPort, spec.clientPrivateKey, hostKey.stdout.trim());
    } catch (error) {
      await container.stop({ remove: true, removeVolumes: true });
      throw error;
    }
  }

  get containerId(): string {
    return this.container.getId();
  }

  get hostKeyFingerprint(): string {
    const blob = this.hostKeyLine.split(/\s+/)[1] ?? '';
    const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
    return `SHA256:${digest.replace(/=+$/, '')}`;
  }

  async exec(cmd: string[]): Promise<CommandResult> {
    const result = await this.container.exec(cmd);
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  virsh(args: string[]): Promise<CommandResult> {
    return this.exec(['virsh', '-c', 'qemu:///system', ...args]);
  }

  async stop(): Promise<void> {
    await this.docker.stop({ t: stopGraceSeconds });
  }

  async start(): Promise<void> {
    await this.docker.start();
    await waitForSshBanner(this.sshPort, sshReadyTimeoutMs);
  }

  async restart(): Promise<void> {
    await this.docker.restart({ t: stopGraceSeconds });
    await waitForSshBanner(this.sshPort, sshReadyTimeoutMs);
  }

  async pause(): Promise<void> {
    await this.docker.pause();
  }

  async unpause(): Promise<void> {
    await this.docker.unpause();
  }

  async kill(): Promise<void> {
    await this.docker.kill({ signal: 'SIGKILL' });
  }

  async cutNetwork(): Promise<void> {
    const present = await this.exec(['iptables', '-C', ...dropForeignTraffic]);
    if (present.code === 0) return;
    await this.mustExec(['iptables', '-I', ...dropForeignTraffic]);
  }

  async restoreNetwork(): Promise<void> {
    const present = await this.exec(['iptables', '-C', ...dropForeignTraffic]);
    if (present.code !== 0) return;
    await this.mustExec(['iptables', '-D', ...dropForeignTraffic]);
  }

  /** Removes the container and its anonymous volumes, whatever state it is in. */
  async remove(): Promise<void> {
    try {
      await this.docker.remove({ force: true, v: true });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }

  private async mustExec(cmd: string[]): Promise<void> {
    const result = await this.exec(cmd);
    if (result.code !== 0) throw new Error(`${cmd.join(' ')} failed on ${this.name}: ${result.stderr}`);
  }
}
