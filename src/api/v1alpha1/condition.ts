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

/** Reasons any controller may use. */
export const COMMON_REASONS = {
  InvalidSpec: 'InvalidSpec',
  ReconcileError: 'ReconcileError',
  Deleting: 'Deleting',
  ForceDeleted: 'ForceDeleted',
} as const;

export const HOST_REASONS = {
  HostNotFound: 'HostNotFound',
  Connected: 'Connected',
  HostKeyMismatch: 'HostKeyMismatch',
  AuthSucceeded: 'AuthSucceeded',
  CredentialsNotFound: 'CredentialsNotFound',
  CredentialsInvalid: 'CredentialsInvalid',
  LibvirtConnected: 'LibvirtConnected',
  HostReady: 'HostReady',
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
} as const;
