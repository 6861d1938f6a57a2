/**
 * Surfaces the sandbox Data Center grows beyond the manifest, the OAuth 2.0 provider and the one
 * protected API (service accounts, an outgoing link, other products' stand-ins...). Each module
 * exports `extension(api)`, which returns `handle(req, res, path)`: true when it answered the
 * request. `api` gives the running sandbox: `{provider, settings, issuer, base(), kind(), send,
 * readForm}`. Extensions are asked in order, before the OAuth 2.0 provider.
 */
import { bitbucketCloud } from './bitbucket-cloud.mjs';
import { outgoingLinkExtension } from './outgoing-link.mjs';
import { serviceAccounts } from './service-accounts.mjs';

export const EXTENSIONS = [
  serviceAccounts,
  bitbucketCloud,
  // An outgoing link to an external application (seed 003), e.g. the Jira Cloud side of a link.
  outgoingLinkExtension,
];
