import { parseManifest, parseManifestXml } from '../../../connector/src/discovery/manifest';

describe('the applinks manifest reader', () => {
  const xml =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><manifest><id>abc</id><name>Jira &amp; Co</name><typeId>jira</typeId>' +
    '<version>11.2.0</version><buildNumber>11020000</buildNumber><applinksVersion>10.0.0</applinksVersion>' +
    '<inboundAuthenticationTypes>a</inboundAuthenticationTypes><inboundAuthenticationTypes>b</inboundAuthenticationTypes>' +
    '<publicSignup>false</publicSignup><url>https://jira.example.test/jira</url></manifest>';

  it('reads the XML a Data Center sends by default, entities decoded', () => {
    expect(parseManifest(xml, 'application/xml')).toEqual({
      id: 'abc',
      name: 'Jira & Co',
      typeId: 'jira',
      version: '11.2.0',
      buildNumber: '11020000',
      applinksVersion: '10.0.0',
      url: 'https://jira.example.test/jira',
      publicSignup: false,
    });
  });

  it('reads JSON, with numbers where strings are expected', () => {
    const json = JSON.stringify({ id: 'x', name: 'Bitbucket', typeId: 'stash', version: '10.1.0', buildNumber: 10001000, url: 'https://bb.example.test', publicSignup: true });
    expect(parseManifest(json, 'application/json')).toMatchObject({ typeId: 'stash', buildNumber: '10001000', publicSignup: true, applinksVersion: null });
  });

  it('refuses documents with a DOCTYPE (no entity expansion), HTML pages and manifests without typeId or url', () => {
    expect(parseManifestXml('<!DOCTYPE x [<!ENTITY a "b">]><manifest><typeId>&a;</typeId></manifest>')).toBeUndefined();
    expect(parseManifest('<html><body>Log in</body></html>', 'text/html')).toBeUndefined();
    expect(parseManifest('<manifest><typeId>jira</typeId></manifest>', 'application/xml')).toBeUndefined();
    expect(parseManifest('{"typeId": "jira"}', 'application/json')).toBeUndefined();
    expect(parseManifest('not a manifest', 'text/plain')).toBeUndefined();
  });

  it('leaves out-of-range character references as they are', () => {
    expect(parseManifestXml('<manifest><name>&#x110000;&#65;</name></manifest>')).toEqual({ name: '&#x110000;A' });
  });
});
