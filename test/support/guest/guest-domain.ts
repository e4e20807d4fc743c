/**
 * [REQ-03] Domain XML of the bootable test guest that every test host carries under /opt/virtfleet-guest:
 * a Debian kernel booted directly with a busybox initramfs, software emulation (`type='qemu'`, KVM is not
 * usable here), serial console written to a file inside the host.
 */

/** Line the guest prints on its serial console once userspace runs. */
export const guestBootedMarker = 'VIRTFLEET-GUEST-BOOTED';
/** Line the guest prints when its ACPI power button handler starts the power-off. */
export const guestPowerOffMarker = 'VIRTFLEET-GUEST-POWEROFF';
export const guestKernelPath = '/opt/virtfleet-guest/vmlinuz';
export const guestInitrdPath = '/opt/virtfleet-guest/initrd.img';

export interface TestGuestOptions {
  name: string;
  /** File inside the host that receives the serial console (default /var/log/libvirt/qemu/NAME-serial.log). */
  serialLogPath?: string;
  memoryMiB?: number;
}

/** Serial log path used when none is given. */
export function defaultSerialLogPath(name: string): string {
  return `/var/log/libvirt/qemu/${name}-serial.log`;
}

/** Domain XML for the test guest; `virsh shutdown` powers it off through its ACPI power button handler. */
export function testGuestDomainXml(options: TestGuestOptions): string {
  const serialLogPath = options.serialLogPath ?? defaultSerialLogPath(options.name);
  return `<domain type='qemu'>
  <name>${options.name}</name>
  <memory unit='MiB'>${options.memoryMiB ?? 128}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${guestKernelPath}</kernel>
    <initrd>${guestInitrdPath}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'>
      <source path='${serialLogPath}'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
`;
}
