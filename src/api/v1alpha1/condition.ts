/**
 * [REQ-01] Status conditions (metav1.Condition shape), the condition types of each kind and the reasons that
 * controllers set on them. Reasons double as Event reasons, so a Warning Event and its condition agree.
 */

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

export interface Condition {
  /** PascalCase condition type, e.g. `Ready`. */
  type: string;
  status: ConditionStatus;
  /** The metadata.generation the condition was computed from. */
  observedGeneration?: number;
  /** RFC 3339 time the status last changed. */
  lastTransitionTime: string;
  /** PascalCase machine-readable cause; one of the *_REASONS constants. */
  reason: string;
  /** Human-readable detail; never contains secrets. */
  message: string;
}

export const HOST_CONDITIONS = {
  Reachable: 'Reachable',
  Authenticated: 'Authenticated',
  LibvirtReady: 'LibvirtReady',
  Ready: 'Ready',
  /** Only while the Host is being deleted: True while VirtualMachines still run on it (deletion waits). */
  HasVirtualMachines: 'HasVirtualMachines',
} as const;
export type HostConditionType = (typeof HOST_CONDITIONS)[keyof typeof HOST_CONDITIONS];

export const VIRTUAL_MACHINE_CONDITIONS = {
  Scheduled: 'Scheduled',
  DisksReady: 'DisksReady',
  Ready: 'Ready',
  Synchronized: 'Synchronized',
  /** Present only while the running guest differs from the spec in what needs a restart (memory, vcpus). */
  RestartRequired: 'RestartRequired',
} as const;
export type VirtualMachineConditionType = (typeof VIRTUAL_MACHINE_CONDITIONS)[keyof typeof VIRTUAL_MACHINE_CONDITIONS];

export const IMAGE_TRANSFER_CONDITIONS = {
  Progressing: 'Progressing',
  Stalled: 'Stalled',
  Verified: 'Verified',
  Complete: 'Complete',
} as const;
export type ImageTransferConditionType = (typeof IMAGE_TRANSFER_CONDITIONS)[keyof typeof IMAGE_TRANSFER_CONDITIONS];

/**
 * Reasons of the operator's typed errors (OperatorError.reason, src/errors/ and the libvirt, security and config
 * errors): defined here once, set as they are on conditions, Events and the `reason` label of error metrics.
 */
export const ERROR_REASONS = {
  InvalidSpec: 'InvalidSpec',
  InvalidConfiguration: 'InvalidConfiguration',
  CommandFailed: 'CommandFailed',
  AuditLogUnavailable: 'AuditLogUnavailable',
  HostNotFound: 'HostNotFound',
  CredentialsNotFound: 'CredentialsNotFound',
  CredentialsInvalid: 'CredentialsInvalid',
  SshConnectFailed: 'SshConnectFailed',
  SshAuthenticationFailed: 'SshAuthenticationFailed',
  HostKeyMismatch: 'HostKeyMismatch',
  SshNoCommonAlgorithm: 'SshNoCommonAlgorithm',
  SshCommandTimeout: 'SshCommandTimeout',
  SshChannelRefused: 'SshChannelRefused',
  LibvirtConnectionLost: 'LibvirtConnectionLost',
  LibvirtCallTimeout: 'LibvirtCallTimeout',
  LibvirtProtocolError: 'LibvirtProtocolError',
  LibvirtEventOverflow: 'LibvirtEventOverflow',
  LibvirtAuthUnsupported: 'LibvirtAuthUnsupported',
  LibvirtNotFound: 'LibvirtNotFound',
  LibvirtError: 'LibvirtError',
  InvalidLibvirtXml: 'InvalidLibvirtXml',
  DomainNotOwned: 'DomainNotOwned',
  UserDataNotFound: 'UserDataNotFound',
  SourceNotFound: 'SourceNotFound',
  SourceForbidden: 'SourceForbidden',
  SourceUnavailable: 'SourceUnavailable',
  SourceChanged: 'SourceChanged',
  SchemeNotAllowed: 'SchemeNotAllowed',
  DigestMismatch: 'DigestMismatch',
  InsufficientStorage: 'InsufficientStorage',
  Stalled: 'Stalled',
  Cancelled: 'Cancelled',
} as const;
export type ErrorReason = (typeof ERROR_REASONS)[keyof typeof ERROR_REASONS];

/** Reasons any controller may use. */
export const COMMON_REASONS = {
  InvalidSpec: ERROR_REASONS.InvalidSpec,
  ReconcileError: 'ReconcileError',
  Deleting: 'Deleting',
  ForceDeleted: 'ForceDeleted',
} as const;

/** Reasons on a Host's conditions: its own successes, plus the reasons of the errors a host check can meet. */
export const HOST_REASONS = {
  Connected: 'Connected',
  AuthSucceeded: 'AuthSucceeded',
  LibvirtConnected: 'LibvirtConnected',
  HostReady: 'HostReady',
  VirtualMachinesPresent: 'VirtualMachinesPresent',
  HostNotFound: ERROR_REASONS.HostNotFound,
  CredentialsNotFound: ERROR_REASONS.CredentialsNotFound,
  CredentialsInvalid: ERROR_REASONS.CredentialsInvalid,
  HostKeyMismatch: ERROR_REASONS.HostKeyMismatch,
} as const;

export const VIRTUAL_MACHINE_REASONS = {
  HostAssigned: 'HostAssigned',
  NoHostAvailable: 'NoHostAvailable',
  HostNotFound: 'HostNotFound',
  HostNotReady: 'HostNotReady',
  HostUnreachable: 'HostUnreachable',
  WaitingForImage: 'WaitingForImage',
  DisksCreated: 'DisksCreated',
  DiskCreateFailed: 'DiskCreateFailed',
  DomainDefined: 'DomainDefined',
  DomainDefineFailed: 'DomainDefineFailed',
  DomainRunning: 'DomainRunning',
  DomainStopped: 'DomainStopped',
  DomainStartFailed: 'DomainStartFailed',
  DomainCrashed: 'DomainCrashed',
  Synced: 'Synced',
  SyncFailed: 'SyncFailed',
  Orphaned: 'Orphaned',
  InsufficientCapacity: 'InsufficientCapacity',
  DomainNameTaken: 'DomainNameTaken',
  DriftRepaired: 'DriftRepaired',
  RestartRequired: 'RestartRequired',
  CrashLoopBackOff: 'CrashLoopBackOff',
  UserDataNotFound: 'UserDataNotFound',
  DeleteFailed: 'DeleteFailed',
  Deleted: 'Deleted',
} as const;

export const IMAGE_TRANSFER_REASONS = {
  Pending: 'Pending',
  Transferring: 'Transferring',
  Resumed: 'Resumed',
  InactivityTimeout: 'InactivityTimeout',
  SourceUnavailable: 'SourceUnavailable',
  DestinationFailed: 'DestinationFailed',
  DigestVerified: 'DigestVerified',
  DigestMismatch: 'DigestMismatch',
  ConversionFailed: 'ConversionFailed',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  HostNotFound: ERROR_REASONS.HostNotFound,
  SecretNotFound: 'SecretNotFound',
  PoolNotFound: 'PoolNotFound',
  WaitingForSlot: 'WaitingForSlot',
  FileWritten: 'FileWritten',
  FileRenamed: 'FileRenamed',
  FileRemoved: 'FileRemoved',
  Deleted: 'Deleted',
  DeleteFailed: 'DeleteFailed',
} as const;
