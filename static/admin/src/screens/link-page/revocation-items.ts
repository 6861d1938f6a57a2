import type { DeleteLinkResult, TokenRevocation } from '../../../../../contract';

/** One line of the result page: what happened to one token or client. */
export type Item = { key: string; outcome: 'revoked' | 'not-revoked' | 'none'; text: string; code?: string | null };

const TOKEN_NAMES: Record<TokenRevocation['token'], string> = { access_token: 'Access token', refresh_token: 'Refresh token' };

/** The delete's revocation, item by item: what stopped working at once, and what could not be revoked and why. */
export function revocationItems(result: DeleteLinkResult, remote: string): Item[] {
  const items: Item[] = [];
  const report = result.revocation.connectorTokens;
  if (report === null) {
    items.push({
      key: 'connector',
      outcome: 'not-revoked',
      text:
        result.connector === 'not-deleted'
          ? `The connector could not be reached: the tokens it holds for ${remote} were not revoked there.`
          : `The connector did not say whether it revoked its tokens at ${remote} (an older release): ask ${remote}'s administrator to revoke them.`,
    });
  } else if (report.own === null && report.users.credentials === 0) {
    items.push({ key: 'connector', outcome: 'none', text: `The connector held no tokens for this link: nothing to revoke at ${remote}.` });
  }
  for (const token of report?.own?.tokens ?? []) {
    const name = TOKEN_NAMES[token.token];
    items.push(
      token.outcome === 'revoked'
        ? { key: token.token, outcome: 'revoked', text: `${name} revoked at ${remote}${report?.endpoint ? ` (${report.endpoint})` : ''}.` }
        : {
            key: token.token,
            outcome: 'not-revoked',
            code: token.code,
            text: `${name} not revoked at ${remote}${token.outcome === 'not-supported' ? ' (not supported)' : ''}: ${token.message ?? token.code ?? 'no reason given'} The connector deleted it anyway; ${remote} honours it until it expires.`,
          },
    );
  }
  if (report !== null && report.users.revoked > 0) {
    items.push({ key: 'users-revoked', outcome: 'revoked', text: `${report.users.revoked} user${report.users.revoked === 1 ? "'s" : "s'"} tokens revoked at ${remote}.` });
  }
  if (report !== null && report.users.notRevoked > 0) {
    items.push({
      key: 'users-not-revoked',
      outcome: 'not-revoked',
      code: report.users.codes.join(', '),
      text: `${report.users.notRevoked} user${report.users.notRevoked === 1 ? "'s" : "s'"} tokens not revoked at ${remote} (${report.users.codes.join(', ')}); the connector deleted them anyway.`,
    });
  }
  for (const clientId of result.revocation.incomingClients) {
    items.push({ key: `incoming-${clientId}`, outcome: 'revoked', text: `This site's client ID ${clientId} is deleted: every access and refresh token it issued to ${remote} is refused from now on.` });
  }
  return items;
}
