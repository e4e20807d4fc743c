/**
 * [REQ-03] Numbers of libvirt's remote RPC protocol: programs, message types and status codes
 * (src/rpc/virnetprotocol.x), procedures (src/remote/remote_protocol.x), keepalive (virkeepaliveprotocol.x).
 */

export const REMOTE_PROGRAM = 0x20008086;
export const REMOTE_PROTOCOL_VERSION = 1;
export const KEEPALIVE_PROGRAM = 0x6b656570;
export const KEEPALIVE_PROTOCOL_VERSION = 1;

export const MessageType = {
  Call: 0,
  Reply: 1,
  Message: 2,
  Stream: 3,
  CallWithFds: 4,
  ReplyWithFds: 5,
  StreamHole: 6,
} as const;

export const MessageStatus = { Ok: 0, Error: 1, Continue: 2 } as const;

export const KeepaliveProcedure = { Ping: 1, Pong: 2 } as const;

/** Bytes of the length word that precedes every packet; the length counts itself. */
export const LENGTH_WORD_BYTES = 4;
export const HEADER_BYTES = 24;
/** Largest serialised message (header + payload), not counting the length word (VIR_NET_MESSAGE_MAX). */
export const MESSAGE_MAX_BYTES = 33554432;
/**
 * Data bytes per outgoing stream packet: 256 KiB, as libvirt's own client sends (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
 * libvirtd accepts messages up to MESSAGE_MAX_BYTES, but over SSH 1 MiB packets made a 1 GiB upload stall
 * (140-164 MB/s, Node half idle) where 256 KiB packets keep up with `virsh vol-upload` (bench/libvirt, 256 MiB and
 * 1 GiB alike).
 */
export const STREAM_CHUNK_BYTES = 256 * 1024;
/** REMOTE_STRING_MAX: longest string in a remote-program payload. */
export const REMOTE_STRING_MAX = 1048576;
export const UUID_BYTES = 16;

export const RemoteProcedure = {
  ConnectOpen: 1,
  ConnectClose: 2,
  ConnectGetVersion: 4,
  NodeGetInfo: 6,
  DomainCreate: 9,
  DomainDefineXml: 11,
  DomainDestroy: 12,
  DomainGetXmlDesc: 14,
  DomainLookupByName: 23,
  DomainLookupByUuid: 24,
  DomainReboot: 27,
  DomainSetAutostart: 29,
  DomainShutdown: 33,
  ConnectGetHostname: 59,
  ConnectSupportsFeature: 60,
  AuthList: 66,
  StoragePoolDefineXml: 77,
  StoragePoolCreate: 78,
  StoragePoolRefresh: 83,
  StoragePoolLookupByName: 84,
  StoragePoolGetXmlDesc: 88,
  StorageVolCreateXml: 93,
  StorageVolDelete: 94,
  StorageVolLookupByName: 95,
  StorageVolLookupByPath: 97,
  StorageVolGetInfo: 98,
  StorageVolGetPath: 100,
  NodeGetFreeMemory: 102,
  ConnectGetLibVersion: 157,
  StorageVolUpload: 208,
  StorageVolDownload: 209,
  DomainGetState: 212,
  DomainUndefineFlags: 231,
  ConnectListAllDomains: 273,
  ConnectListAllStoragePools: 281,
  StoragePoolListAllVolumes: 282,
  ConnectDomainEventCallbackRegisterAny: 316,
  ConnectDomainEventCallbackDeregisterAny: 317,
  DomainEventCallbackLifecycle: 318,
  DomainInterfaceAddresses: 353,
} as const;

/** remote_auth_type: the only one this client accepts is NONE (the SSH account already authenticated us). */
export const AUTH_NONE = 0;
