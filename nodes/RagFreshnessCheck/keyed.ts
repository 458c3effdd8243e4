/**
 * Lookups keyed by names users or senders choose (target, source and manifest
 * names). Such a name can be `__proto__`, `constructor` or `hasOwnProperty`:
 * as a plain-object key it reads Object.prototype's members, and assigning
 * `obj['__proto__'] = x` replaces the prototype instead of storing anything,
 * so the entry is silently lost. Work with a `Map`; where the data must stay
 * a plain object (workflow static data is saved as JSON, items are JSON),
 * read own properties only and write with `Object.defineProperty`, which
 * always makes an own data property.
 */

/** `obj[key]` if it is an own property, else undefined (never a prototype member). */
export function ownValue<T>(obj: object | null | undefined, key: string): T | undefined {
	if (obj === null || obj === undefined) return undefined;
	return Object.prototype.hasOwnProperty.call(obj, key) ? ((obj as Record<string, unknown>)[key] as T) : undefined;
}

/**
 * Stores `value` under `key` as an own, enumerable data property (works for
 * `__proto__` too). A plain assignment where it is safe, so a proxy's `set`
 * trap still sees it (n8n's static data notices changes that way); only a new
 * `__proto__` key needs `defineProperty`, which such a trap does not see:
 * callers on static data re-assign the top-level field afterwards.
 */
export function setOwn(obj: object, key: string, value: unknown): void {
	if (key !== '__proto__' || Object.prototype.hasOwnProperty.call(obj, key)) {
		(obj as Record<string, unknown>)[key] = value;
		return;
	}
	Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A plain object (for items / JSON) holding the entries of `entries`, every key an own property. */
export function recordOf<V>(entries: Iterable<[string, V]>, limit = Infinity): { record: Record<string, V>; omitted: number } {
	const record: Record<string, V> = {};
	let kept = 0;
	let omitted = 0;
	for (const [key, value] of entries) {
		if (kept >= limit) {
			omitted++;
			continue;
		}
		setOwn(record, key, value);
		kept++;
	}
	return { record, omitted };
}
