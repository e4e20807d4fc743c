/** [REQ-01] Finalizer names. Each is removed only after its cleanup succeeded (DESIGN.md "Runtime"). */

export const FINALIZERS = {
  /**
   * Host: while VirtualMachines still run on it (status.host names it), deletion waits with the condition
   * HasVirtualMachines=True, as a node drain would; then its connections are closed and the finalizer removed.
   */
  hostCleanup: 'virtfleet.io/host-cleanup',
  /** VirtualMachine: destroy and undefine the domain and delete its disks (unless deletionPolicy is Orphan). */
  virtualMachineCleanup: 'virtfleet.io/vm-cleanup',
  /** ImageTransfer: abort running streams and remove partial files on the destinations. */
  imageTransferCleanup: 'virtfleet.io/transfer-cleanup',
} as const;

export type FinalizerName = (typeof FINALIZERS)[keyof typeof FINALIZERS];

/** Annotation that lets a finalizer give up on a host that stays unreachable (value "true"); documented escape hatch. */
export const FORCE_DELETE_ANNOTATION = 'virtfleet.io/force-delete';
