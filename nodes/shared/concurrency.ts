/**
 * Map over a list with at most `limit` calls in flight, keeping the order of
 * the results. `limit` of 0 (or less, or not finite) means no limit: every
 * call starts at once. A small worker pool instead of a dependency (nodes ship
 * with zero runtime dependencies).
 *
 * `fn` should not throw (the health check turns every error into a result);
 * if it does, the first error rejects the whole map, like Promise.all.
 */
export async function mapWithConcurrency<T, R>(
	items: readonly T[],
	limit: number,
	fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
	const results: R[] = new Array<R>(items.length);
	if (items.length === 0) return results;
	const workers = !Number.isFinite(limit) || limit <= 0 ? items.length : Math.min(Math.floor(limit), items.length);
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < items.length) {
			const index = next++;
			results[index] = await fn(items[index], index);
		}
	};
	await Promise.all(Array.from({ length: workers }, worker));
	return results;
}
