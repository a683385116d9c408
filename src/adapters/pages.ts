/**
 * Every page of one AWS listing (Organizations' NextToken, IAM's Marker), with an overall bound: each call has its
 * own time limit, but a listing whose token comes back again, or that never ends, would otherwise call for ever.
 * It stops when a token repeats, after `maxPages` pages, or when `timeoutMs` has passed, with one line (exit 1).
 */
import { AwsError } from '../core/errors.js';

export interface PageBounds {
  /** Pages of one listing at most: far more than the largest real listing. */
  readonly maxPages: number;
  /** The whole listing, all its pages and their retries. */
  readonly timeoutMs: number;
}

export interface Listing {
  /** "AWS Organizations ListAccounts" */
  readonly what: string;
  /** "NextToken", "Marker" */
  readonly token: string;
  /** What to do next. */
  readonly hint: string;
}

export interface Page<Item> {
  readonly items: readonly Item[];
  /** The token of the next page; undefined or empty on the last page. */
  readonly next: string | undefined;
}

export async function allPages<Item>(listing: Listing, bounds: PageBounds, page: (token: string | undefined) => Promise<Page<Item>>, now: () => number = Date.now): Promise<Item[]> {
  const all: Item[] = [];
  const seen = new Set<string>();
  const started = now();
  let token: string | undefined;
  for (let pages = 1; ; pages++) {
    const out = await page(token);
    all.push(...out.items);
    token = out.next || undefined;
    if (token === undefined) return all;
    const sofar = `${pages.toLocaleString('en-US')} page${pages === 1 ? '' : 's'}`;
    if (seen.has(token)) throw endless(listing, `returned a ${listing.token} it had returned before (after ${sofar}): the listing would never end`);
    seen.add(token);
    if (pages >= bounds.maxPages) throw endless(listing, `had not ended after ${sofar}, the most xacct lists`);
    if (now() - started >= bounds.timeoutMs) throw endless(listing, `had not ended after ${formatSeconds(bounds.timeoutMs)} (${sofar})`);
  }
}

function endless(listing: Listing, why: string): AwsError {
  return new AwsError('EndlessListing', `${listing.what} ${why}; stopped`, listing.hint);
}

function formatSeconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
}
