import type { DisconnectResult } from '../../../../../contract';

/** What happened at the remote when a connection was ended; the tokens are deleted in every case. */
export function revocationMessage(result: DisconnectResult): string {
  switch (result.remote) {
    case 'revoked':
      return 'The remote revoked the tokens, and the connector deleted them.';
    case 'unreachable':
      return 'The remote could not be reached to revoke the tokens; the connector deleted them anyway. They stop working when they expire (access tokens within an hour).';
    case 'refused':
      return 'The remote refused to revoke the tokens; the connector deleted them anyway.';
    case 'no-endpoint':
      return 'The remote has no revocation endpoint; the connector deleted the tokens.';
    case 'nothing-to-revoke':
      return result.disconnected ? 'There were no tokens left to revoke.' : 'There was no connection to end.';
  }
}
