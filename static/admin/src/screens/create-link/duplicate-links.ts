import type { LinkSummary } from '../../../../../contract';
import { call } from '../../api';

/** Scheme, host (lower case), port and path without trailing slashes: how two application URLs name the same place. */
export function sameApplicationUrl(a: string, b: string): boolean {
  const norm = (value: string) => {
    try {
      const url = new URL(value);
      return `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      return value.replace(/\/+$/, '');
    }
  };
  return norm(a) === norm(b);
}

/** The links this site already has to the URL, read page by page (a site has a bounded number of links). */
export async function linksAt(url: string): Promise<LinkSummary[]> {
  const found: LinkSummary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page += 1) {
    const answer = await call('listLinks', { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    found.push(...answer.items.filter((item) => sameApplicationUrl(item.applicationUrl, url)));
    if (answer.nextCursor === null) break;
    cursor = answer.nextCursor;
  }
  return found;
}
