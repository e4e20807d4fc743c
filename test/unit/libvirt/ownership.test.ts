import { expect } from 'chai';
import { buildDomainXml } from '../../../src/libvirt/domain-xml.js';
import { LibvirtXmlError } from '../../../src/libvirt/libvirt-xml-error.js';
import { isOwnedByVirtfleet, readOwnership, VIRTFLEET_XMLNS } from '../../../src/libvirt/ownership.js';
import { HOSTILE, minimalSpec } from './domain-spec-fixtures.js';
import { domainWithMetadata, FOREIGN_DOMAIN, LIVE_QEMU_DOMAIN } from './libvirt-xml-samples.js';

const OWNER_ATTRIBUTES = 'namespace="team-a" name="vm-1" uid="1b2c" generation="12"';
const OWNER = { namespace: 'team-a', name: 'vm-1', uid: '1b2c', generation: 12 };

describe('[REQ-03] domain xml ownership: recognising virtfleet domains by namespace URI', () => {
  const cases: Array<{ name: string; xml: string; owner: typeof OWNER | undefined }> = [
    { name: 'a domain with no metadata element', xml: FOREIGN_DOMAIN, owner: undefined },
    { name: 'an empty metadata element', xml: domainWithMetadata('<metadata/>'), owner: undefined },
    {
      name: "another tool's element that borrows our prefix and element name under its own URI",
      xml: domainWithMetadata(`<metadata><virtfleet:owner xmlns:virtfleet="https://example.com/xmlns/other" ${OWNER_ATTRIBUTES}/></metadata>`),
      owner: undefined,
    },
    {
      name: 'our URI with a look-alike URI (trailing slash)',
      xml: domainWithMetadata(`<metadata><virtfleet:owner xmlns:virtfleet="${VIRTFLEET_XMLNS}/" ${OWNER_ATTRIBUTES}/></metadata>`),
      owner: undefined,
    },
    {
      name: 'an element of our namespace that is not the owner element',
      xml: domainWithMetadata(`<metadata><virtfleet:note xmlns:virtfleet="${VIRTFLEET_XMLNS}" ${OWNER_ATTRIBUTES}/></metadata>`),
      owner: undefined,
    },
    {
      name: 'an owner element whose prefix is not declared anywhere',
      xml: domainWithMetadata(`<metadata><virtfleet:owner ${OWNER_ATTRIBUTES}/></metadata>`),
      owner: undefined,
    },
    {
      name: 'our element as libvirt prints it',
      xml: domainWithMetadata(`<metadata><virtfleet:owner xmlns:virtfleet="${VIRTFLEET_XMLNS}" ${OWNER_ATTRIBUTES}/></metadata>`),
      owner: OWNER,
    },
    {
      name: 'our namespace bound to a different prefix',
      xml: domainWithMetadata(`<metadata><vf:owner xmlns:vf="${VIRTFLEET_XMLNS}" ${OWNER_ATTRIBUTES}/></metadata>`),
      owner: OWNER,
    },
    {
      name: 'our namespace as the default namespace of the element',
      xml: domainWithMetadata(`<metadata><owner xmlns="${VIRTFLEET_XMLNS}" ${OWNER_ATTRIBUTES}/></metadata>`),
      owner: OWNER,
    },
    {
      name: 'our prefix declared on <metadata>',
      xml: domainWithMetadata(`<metadata xmlns:virtfleet="${VIRTFLEET_XMLNS}"><virtfleet:owner ${OWNER_ATTRIBUTES}/></metadata>`),
      owner: OWNER,
    },
    {
      name: 'our prefix declared on the <domain> root',
      xml: domainWithMetadata(`<metadata><virtfleet:owner ${OWNER_ATTRIBUTES}/></metadata>`, ` xmlns:virtfleet="${VIRTFLEET_XMLNS}"`),
      owner: OWNER,
    },
    {
      name: "ours next to another tool's look-alike",
      xml: domainWithMetadata(
        `<metadata><x:owner xmlns:x="https://example.com/x" namespace="n" name="m" uid="u" generation="1"/><v:owner xmlns:v="${VIRTFLEET_XMLNS}" ${OWNER_ATTRIBUTES}/></metadata>`,
      ),
      owner: OWNER,
    },
    { name: 'a live libvirt dump with libosinfo metadata', xml: LIVE_QEMU_DOMAIN, owner: { namespace: 'prod', name: 'web-0', uid: '0c5e7d2a-9b61-4f0e-8a3c-5d4e3f2a1b0c', generation: 4 } },
  ];

  for (const { name, xml, owner } of cases) {
    it(`${owner === undefined ? 'leaves alone' : 'claims'} ${name}`, () => {
      expect(readOwnership(xml)).to.deep.equal(owner);
      expect(isOwnedByVirtfleet(xml)).to.equal(owner !== undefined);
    });
  }

  it('reads back exactly the owner the builder wrote, hostile characters included', () => {
    const owner = { namespace: HOSTILE, name: `${HOSTILE}2`, uid: `uid-${HOSTILE}`, generation: 9_007_199 };
    expect(readOwnership(buildDomainXml(minimalSpec({ owner })))).to.deep.equal(owner);
  });
});

describe('[REQ-03] domain xml ownership: a damaged virtfleet mark is reported, not ignored', () => {
  const cases: Array<{ name: string; attributes: string; message: RegExp }> = [
    { name: 'a missing uid', attributes: 'namespace="a" name="b" generation="1"', message: /lacks 'uid'/ },
    { name: 'an empty namespace', attributes: 'namespace="" name="b" uid="u" generation="1"', message: /lacks 'namespace'/ },
    { name: 'a missing generation', attributes: 'namespace="a" name="b" uid="u"', message: /lacks 'generation'/ },
    { name: 'a non-numeric generation', attributes: 'namespace="a" name="b" uid="u" generation="one"', message: /generation 'one'/ },
  ];
  for (const { name, attributes, message } of cases) {
    it(`raises a terminal LibvirtXmlError for ${name}`, () => {
      const xml = domainWithMetadata(`<metadata><virtfleet:owner xmlns:virtfleet="${VIRTFLEET_XMLNS}" ${attributes}/></metadata>`);
      expect(() => readOwnership(xml)).to.throw(LibvirtXmlError, message).with.property('retryable', false);
    });
  }
});
