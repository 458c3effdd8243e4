import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

/**
 * A bounded memory of recently seen keys (webhook delivery ids, ingestion
 * idempotency keys), kept in workflow static data.
 *
 * Static data is stored as JSON in n8n's database with the workflow and is
 * loaded on every execution, so it must stay small: the store keeps at most
 * `maxKeys` entries (oldest dropped first) and forgets entries older than
 * `ttlMs`. Keys longer than 128 characters are stored as their SHA-256 so a
 * feed with huge guids cannot bloat the workflow row.
 *
 * Layout inside the given static-data object, under `field`:
 * `{ [key]: seenAtEpochMs }`. JSON objects keep insertion order for string
 * keys, which is what makes "oldest first" eviction work after a round trip
 * through the database (keys that look like integers would be reordered by
 * JavaScript, so every key is stored with a `k:` prefix).
 */

export interface RecentKeysOptions {
	/** Upper bound of remembered keys; the oldest are evicted first. */
	maxKeys: number;
	/** Forget a key after this many ms (0 or less = only the size bound applies). */
	ttlMs: number;
}

const PREFIX = 'k:';

function storedKey(key: string): string {
	return key.length > 128 ? `${PREFIX}sha256:${createHash('sha256').update(key).digest('hex')}` : `${PREFIX}${key}`;
}

function table(staticData: IDataObject, field: string): Record<string, number> {
	const current = staticData[field];
	if (current === null || typeof current !== 'object' || Array.isArray(current)) {
		staticData[field] = {};
	}
	return staticData[field] as Record<string, number>;
}

/** Drops expired entries and trims to `maxKeys`; returns the live table. */
function prune(staticData: IDataObject, field: string, options: RecentKeysOptions, now: number): Record<string, number> {
	const keys = table(staticData, field);
	for (const [key, seenAt] of Object.entries(keys)) {
		const stale = typeof seenAt !== 'number' || (options.ttlMs > 0 && now - seenAt > options.ttlMs);
		if (stale) delete keys[key];
	}
	const names = Object.keys(keys);
	const max = Math.max(1, Math.floor(options.maxKeys));
	for (let i = 0; i < names.length - max; i++) delete keys[names[i]];
	return keys;
}

/** When `key` was remembered (epoch ms), or undefined if it is not (or no longer) known. */
export function seenAt(
	staticData: IDataObject,
	field: string,
	key: string,
	options: RecentKeysOptions,
	now = Date.now(),
): number | undefined {
	return prune(staticData, field, options, now)[storedKey(key)];
}

/** Remembers `key` as seen at `now` (moving it to the newest end). */
export function remember(
	staticData: IDataObject,
	field: string,
	key: string,
	options: RecentKeysOptions,
	now = Date.now(),
): void {
	const keys = table(staticData, field);
	const stored = storedKey(key);
	delete keys[stored];
	keys[stored] = now;
	prune(staticData, field, options, now);
}

/** Forgets `key`, e.g. when the run it started failed and a retry must be allowed. */
export function forget(staticData: IDataObject, field: string, key: string): void {
	delete table(staticData, field)[storedKey(key)];
}

/** Number of remembered keys (for notices and tests). */
export function size(staticData: IDataObject, field: string): number {
	return Object.keys(table(staticData, field)).length;
}
