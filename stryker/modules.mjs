/**
 * The modules under mutation testing, each with the test files that exercise it. Stryker runs only
 * these tests against each module's mutants, so a module takes minutes rather than the whole suite
 * per mutant. A test that starts proving a module's behaviour belongs in its list.
 */
export const modules = [
  {
    name: 'address-policy',
    mutate: ['connector/src/outbound/address.ts', 'connector/src/outbound/url-policy.ts'],
    tests: [
      'test/connector/outbound/internal-address.test.ts',
      'test/connector/outbound/internal-address.property.test.ts',
      'test/connector/outbound/url-policy.test.ts',
      'test/connector/outbound/internal-address-forms.test.ts',
      'test/connector/outbound/url-policy-entries.test.ts',
    ],
  },
  {
    name: 'invocation-token',
    mutate: ['connector/src/forge/invocation-token.ts'],
    tests: ['test/connector/forge/invocation-token.test.ts', 'test/connector/forge/invocation-claims.test.ts'],
  },
  {
    name: 'refresh-policy',
    mutate: ['connector/src/credentials/refresh-policy.ts'],
    tests: ['test/connector/credentials/refresh-policy.test.ts', 'test/connector/credentials/refresh-policy-jitter.test.ts'],
  },
  {
    name: 'vault',
    mutate: ['connector/src/vault/cipher.ts', 'connector/src/vault/vault.ts'],
    tests: ['test/connector/vault/vault.test.ts', 'test/connector/vault/vault-vectors.test.ts', 'test/connector/vault/vault-format.test.ts'],
  },
  {
    name: 'token-endpoint',
    mutate: ['src/incoming/token-request.ts', 'src/incoming/token-service.ts'],
    tests: [
      'test/forge/token-request.test.ts',
      'test/forge/token-request.property.test.ts',
      'test/forge/token-endpoint.test.ts',
      'test/forge/token-service.test.ts',
    ],
  },
];
