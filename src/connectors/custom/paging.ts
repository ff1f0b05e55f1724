// Walks a list endpoint in any of the definition's pagination styles, yielding each page's records.
// Every style is guarded: a repeating cursor, next link or page stops with bad_response.
import { VendorError } from '../../domain/errors.js';
import { PageGuard, type RawResponse } from '../http.js';
import { VENDOR, type CustomClient } from './client.js';
import type { CustomPagination } from './definition.js';
import { readPath } from './paths.js';

export interface ListEndpoint {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  recordsPath?: string;
  pagination: CustomPagination;
  /** Used in messages ("users", "activity"). */
  what: string;
}

export interface Page {
  records: unknown[];
  body: unknown;
}

export interface PagingOptions {
  /** Ask for this many records per page and stop after the first (validate). */
  firstPageOnly?: number;
  maxPages?: number;
}

const isBlank = (v: unknown) => v === undefined || v === null || v === '' || v === false;

/** RFC 8288: the target of rel="next" in a Link header. */
export function nextFromLinkHeader(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m) continue;
    const rel = /(?:^|;)\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]!);
    if (rel && rel[1]!.toLowerCase().split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}

export async function* pageRecords(client: CustomClient, endpoint: ListEndpoint, options: PagingOptions = {}): AsyncGenerator<Page> {
  const p = endpoint.pagination;
  const guard = new PageGuard(VENDOR, `${endpoint.what} paging`, options.maxPages);
  const firstIds = new Set<string>();
  const only = options.firstPageOnly;

  const fetchPage = async (extra: Record<string, string>, url?: string): Promise<{ res: RawResponse; page: Page }> => {
    const res = url
      ? await client.sendUrl(url, endpoint.method)
      : await client.send({ method: endpoint.method, path: endpoint.path, query: { ...endpoint.query, ...extra }, body: endpoint.body });
    const records = endpoint.recordsPath ? readPath(res.body, endpoint.recordsPath) : res.body;
    if (!Array.isArray(records)) {
      const where = endpoint.recordsPath ? `at "${endpoint.recordsPath}"` : 'at the top of the body';
      throw new VendorError('bad_response', `${endpoint.what}: expected an array of records ${where} (check ${endpoint.what}.recordsPath)`, { vendor: VENDOR, status: res.status });
    }
    // A server that ignores the paging parameter hands back the same page again: stop instead of looping.
    const first = records[0];
    if (first !== undefined && records.length > 0) {
      const fingerprint = JSON.stringify(first);
      if (firstIds.has(fingerprint)) {
        throw new VendorError('bad_response', `${endpoint.what} paging: the vendor returned the same page twice, stopping to avoid a loop`, { vendor: VENDOR });
      }
      firstIds.add(fingerprint);
    }
    return { res, page: { records, body: res.body } };
  };
  const sized = (param: string | undefined, size: number | undefined): Record<string, string> => {
    const n = only ?? size;
    return param && n !== undefined ? { [param]: String(n) } : {};
  };

  switch (p.style) {
    case 'none': {
      guard.next('');
      yield (await fetchPage({})).page;
      return;
    }
    case 'offset': {
      const size = only ?? p.pageSize;
      let offset = 0;
      for (;;) {
        guard.next(String(offset));
        const { page } = await fetchPage({ [p.limitParam]: String(size), [p.offsetParam]: String(offset) });
        if (page.records.length > 0) yield page;
        if (only !== undefined || page.records.length === 0) return;
        offset += page.records.length;
        const total = p.totalPath ? Number(readPath(page.body, p.totalPath)) : NaN;
        if (Number.isFinite(total) ? offset >= total : page.records.length < size) return;
      }
    }
    case 'page': {
      const size = only ?? p.pageSize;
      for (let n = p.startAt; ; n++) {
        guard.next(String(n));
        const { page } = await fetchPage({ [p.pageParam]: String(n), [p.sizeParam]: String(size) });
        if (page.records.length > 0) yield page;
        if (only !== undefined || page.records.length === 0) return;
        const totalPages = p.totalPagesPath ? Number(readPath(page.body, p.totalPagesPath)) : NaN;
        if (Number.isFinite(totalPages) ? n - p.startAt + 1 >= totalPages : page.records.length < size) return;
      }
    }
    case 'scim': {
      const size = only ?? p.pageSize;
      let startIndex = 1;
      for (;;) {
        guard.next(String(startIndex));
        const { page } = await fetchPage({ [p.startIndexParam]: String(startIndex), [p.countParam]: String(size) });
        if (page.records.length > 0) yield page;
        if (only !== undefined || page.records.length === 0) return;
        startIndex += page.records.length;
        const total = Number(readPath(page.body, p.totalResultsPath));
        if (!Number.isFinite(total) || startIndex > total) return;
      }
    }
    case 'cursor': {
      let cursor: string | undefined;
      for (;;) {
        if (cursor !== undefined) guard.next(cursor);
        const { page } = await fetchPage({ ...sized(p.sizeParam, p.pageSize), ...(cursor !== undefined ? { [p.cursorParam]: cursor } : {}) });
        if (page.records.length > 0) yield page;
        if (only !== undefined) return;
        const next = readPath(page.body, p.cursorPath);
        if (p.hasMorePath && isBlank(readPath(page.body, p.hasMorePath))) return;
        if (isBlank(next)) return;
        cursor = String(next);
      }
    }
    case 'next_url':
    case 'link_header': {
      let next: string | undefined;
      // Relative links resolve against the URL that returned them (RFC 3986), not the base URL.
      let current = client.url(endpoint.path, { ...endpoint.query, ...sized(p.sizeParam, p.pageSize) }).href;
      for (;;) {
        if (next !== undefined) guard.next(next);
        const { res, page } = next === undefined ? await fetchPage(sized(p.sizeParam, p.pageSize)) : await fetchPage({}, next);
        if (page.records.length > 0) yield page;
        if (only !== undefined) return;
        let link: unknown;
        if (p.style === 'next_url') {
          if (p.hasMorePath && isBlank(readPath(page.body, p.hasMorePath))) return;
          link = readPath(page.body, p.nextUrlPath);
        } else {
          link = nextFromLinkHeader(res.headers.get('link'));
        }
        if (isBlank(link)) return;
        if (typeof link !== 'string') throw new VendorError('bad_response', `${endpoint.what} paging: the next link is not a string`, { vendor: VENDOR });
        next = new URL(link, current).href;
        current = next;
      }
    }
  }
}
