/** [REQ-01] The virtfleet.io/v1alpha1 API: resource types, condition types and reasons, finalizers, group constants. */
export * from './group.js';
export * from './meta.js';
export * from './condition.js';
export * from './finalizers.js';
export * from './host.js';
export * from './virtual-machine.js';
export * from './image-transfer.js';
