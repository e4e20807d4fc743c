/**
 * [REQ-01] Typed shape of the four configuration files under /etc/virtfleet (DESIGN.md "Configuration").
 * Each interface has one JSON schema in ./schemas/ that fills defaults and rejects unknown keys.
 */

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface BackoffConfig {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ControllerConfig {
  /** Namespaces whose VirtualMachines and ImageTransfers are watched; empty means all namespaces. */
  namespaces: string[];
  /**
   * Namespaces whose `kubernetes.io/ssh-auth` Secrets are watched for Host credentials; empty means all
   * namespaces. A Host whose credentialsSecretRef points elsewhere reports CredentialsNotFound.
   */
  credentialsNamespaces: string[];
  /** Concurrent reconcile workers per controller. */
  workers: { host: number; virtualMachine: number; imageTransfer: number };
  /** Full relist/resync period of every informer. */
  resyncPeriodSeconds: number;
  /** How often a Ready Host is checked again (SSH, libvirt, capacity) and its lastHeartbeatTime written. */
  hosts: { heartbeatIntervalSeconds: number };
  leaderElection: {
    enabled: boolean;
    leaseName: string;
    leaseNamespace: string;
    leaseDurationSeconds: number;
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
  };
  /** host:port for /metrics, /healthz and /readyz. */
  metricsAddress: string;
  backoff: BackoffConfig & { globalQps: number; globalBurst: number };
  logLevel: LogLevel;
  audit: { sink: 'stdout' | 'file'; path: string };
}

export type CipherName = 'aes256-gcm@openssh.com' | 'aes128-gcm@openssh.com' | 'chacha20-poly1305@openssh.com';

export interface SshConfig {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  keepalive: { intervalMs: number; countMax: number };
  /** Concurrent channels on the one connection per host; callers beyond it wait. */
  maxSessionsPerHost: number;
  reconnect: BackoffConfig;
  algorithms: {
    ciphers: CipherName[];
    kex: string[];
    serverHostKey: string[];
    hmac: string[];
  };
}

export interface LibvirtConfig {
  defaultURI: string;
  /** How the RPC stream is opened on the host: virt-ssh-helper, or a socket relay fallback. */
  transport: 'auto' | 'virt-ssh-helper' | 'socat' | 'nc';
  socketPath: string;
  callTimeoutMs: number;
  keepalive: { intervalMs: number; countMax: number };
  storagePool: { name: string; path: string };
  domainDefaults: {
    type: 'kvm' | 'qemu';
    machine: string;
    cpuMode: 'host-passthrough' | 'host-model' | 'custom';
    consoleLogDir: string;
  };
}

export interface TransferConfig {
  chunkSizeBytes: number;
  parallelStreams: number;
  concurrency: { perHost: number; global: number };
  /** Bytes per second per transfer; 0 = unlimited. */
  bandwidthLimitBytesPerSecond: number;
  resume: boolean;
  inactivityTimeoutSeconds: number;
  cacheDir: string;
  allowedUrlSchemes: Array<'https' | 'http' | 'file'>;
}

export interface VirtfleetConfig {
  controller: ControllerConfig;
  ssh: SshConfig;
  libvirt: LibvirtConfig;
  transfer: TransferConfig;
}
