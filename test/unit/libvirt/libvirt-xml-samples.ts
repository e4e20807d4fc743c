/** [REQ-03] Domain, pool and volume XML in the shape libvirt 9 returns it, for the reader tests. */

/**
 * A running QEMU/KVM domain as `virsh dumpxml` prints it: libvirt added the id, emulator, controllers, device
 * aliases and PCI/drive addresses, the live backing chain with indexes, the pty path, inputs, audio, seclabels,
 * and kept metadata of another tool (libosinfo) next to ours.
 */
export const LIVE_QEMU_DOMAIN = `<domain type='kvm' id='7'>
  <name>prod-web-0</name>
  <uuid>3d0b3f4a-2b8c-4e5d-9f10-112233445566</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
    <virtfleet:owner xmlns:virtfleet="https://virtfleet.io/xmlns/domain/v1alpha1" namespace="prod" name="web-0" uid="0c5e7d2a-9b61-4f0e-8a3c-5d4e3f2a1b0c" generation="4"/>
  </metadata>
  <memory unit='KiB'>2097152</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <resource>
    <partition>/machine</partition>
  </resource>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='host-passthrough' check='none' migratable='on'/>
  <clock offset='utc'>
    <timer name='rtc' tickpolicy='catchup'/>
    <timer name='pit' tickpolicy='delay'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/virtfleet/images/prod-web-0-root.qcow2' index='3'/>
      <backingStore type='file' index='4'>
        <format type='qcow2'/>
        <source file='/var/lib/virtfleet/images/prod-web-0-base.qcow2'/>
        <backingStore type='file' index='5'>
          <format type='raw'/>
          <source file='/var/lib/virtfleet/images/sha256-2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae'/>
          <backingStore/>
        </backingStore>
      </backingStore>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
      <alias name='virtio-disk0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='/dev/vg0/prod-web-0-data' index='2'/>
      <backingStore/>
      <target dev='vdb' bus='virtio'/>
      <alias name='virtio-disk1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/virtfleet/images/prod-web-0-seed.iso' index='1'/>
      <backingStore/>
      <target dev='sda' bus='sata'/>
      <readonly/>
      <alias name='sata0-0-0'/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <controller type='usb' index='0' model='piix3-uhci'>
      <alias name='usb'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'>
      <alias name='pci.0'/>
    </controller>
    <controller type='sata' index='0'>
      <alias name='sata0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </controller>
    <interface type='network'>
      <mac address='52:54:00:6b:3c:58'/>
      <source network='default' portid='c6a4b2e0-7d7f-4a57-9c84-1f0f7e6d5c4b' bridge='virbr0'/>
      <target dev='vnet3'/>
      <model type='virtio'/>
      <alias name='net0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:11:22:33'/>
      <source bridge='br-prod'/>
      <target dev='vnet4'/>
      <model type='e1000'/>
      <alias name='net1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
    </interface>
    <serial type='pty'>
      <source path='/dev/pts/4'/>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
      <alias name='serial0'/>
    </serial>
    <console type='pty' tty='/dev/pts/4'>
      <source path='/dev/pts/4'/>
      <target type='serial' port='0'/>
      <alias name='serial0'/>
    </console>
    <input type='mouse' bus='ps2'>
      <alias name='input0'/>
    </input>
    <input type='keyboard' bus='ps2'>
      <alias name='input1'/>
    </input>
    <audio id='1' type='none'/>
    <memballoon model='virtio'>
      <alias name='balloon0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>
    </memballoon>
  </devices>
  <seclabel type='dynamic' model='dac' relabel='yes'>
    <label>+64055:+64055</label>
    <imagelabel>+64055:+64055</imagelabel>
  </seclabel>
</domain>
`;

/**
 * Captured from libvirt 9.0.0: `buildDomainXml` output with a hostile name, defined and started through
 * `virsh -c test:///default` (libvirt's own parser and formatter: single quotes, &apos;, generated MACs, addresses).
 */
export const LIBVIRT_FORMATTED_HOSTILE_DOMAIN = `<domain type='qemu' id='2'>
  <name>a&amp;b&lt;c&gt;&quot;d&apos;</name>
  <uuid>8f0b5c52-6c1f-4e0a-9c55-0f2b1d6e7a10</uuid>
  <metadata>
    <virtfleet:owner xmlns:virtfleet="https://virtfleet.io/xmlns/domain/v1alpha1" namespace="default" name="vm1" uid="u-1" generation="3"/>
  </metadata>
  <memory unit='KiB'>524288</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/boot/vmlinuz</kernel>
    <initrd>/boot/initrd</initrd>
    <cmdline>console=ttyS0 panic=-1</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <cpu mode='custom' match='exact'>
    <model fallback='allow'>qemu64</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/virtfleet/images/vm-data.qcow2'/>
      <target dev='sda' bus='scsi'/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <interface type='user'>
      <mac address='52:54:00:7f:65:13'/>
      <target dev='testnet0'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='/var/log/virtfleet/console/x.log'/>
      <target port='0'/>
    </serial>
    <console type='file'>
      <source path='/var/log/virtfleet/console/x.log'/>
      <target type='serial' port='0'/>
    </console>
  </devices>
</domain>
`;

/** A domain some other tool defined on the same host: no metadata at all. */
export const FOREIGN_DOMAIN = `<domain type='kvm'>
  <name>someone-elses-vm</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='GiB'>4</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices/>
</domain>
`;

/** Wraps metadata children in an otherwise minimal domain; `rootAttributes` may declare namespaces on <domain>. */
export function domainWithMetadata(metadata: string, rootAttributes = ''): string {
  return `<domain type='kvm'${rootAttributes}><name>vm</name><memory>1024</memory><vcpu>1</vcpu>${metadata}</domain>`;
}
