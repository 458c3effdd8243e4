/**
 * Limits on what the nodes copy out of an untrusted body (a health answer, a
 * manifest, a backend report) into items and messages.
 *
 * V8's JSON.parse is iterative, but JSON.stringify, structuredClone and n8n's
 * own copies of execution data recurse: a health answer nested 100 000 deep
 * parses fine and then crashes whatever serializes it (the run, or the saved
 * execution the editor cannot open). So bodies are measured before they are
 * parsed ({@link jsonNestingDepth}) and refused past {@link MAX_JSON_DEPTH},
 * and every value copied into an item goes through {@link boundedCopy},
 * which walks with an explicit stack (no recursion) and keeps a few levels,
 * entries and characters.
 */

/** Nesting a body may have to be read at all; health answers and manifests are a few levels deep. */
export const MAX_JSON_DEPTH = 64;

/**
 * Deepest nesting of `[` / `{` in a JSON text (outside strings), or
 * `limit + 1` as soon as it goes past `limit`. Linear, no parsing, no recursion.
 */
export function jsonNestingDepth(text: string, limit = MAX_JSON_DEPTH): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c) i++; // backslash: skip the escaped character
			else if (c === 0x22) inString = false;
			continue;
		}
		if (c === 0x22) inString = true;
		else if (c === 0x5b || c === 0x7b) {
			depth++;
			if (depth > deepest) {
				deepest = depth;
				if (deepest > limit) return limit + 1;
			}
		} else if (c === 0x5d || c === 0x7d) depth--;
	}
	return deepest;
}

/** JSON.parse with a nesting limit: a clear error instead of a value nothing can serialize. */
export function parseJsonBounded(text: string, limit = MAX_JSON_DEPTH): { ok: true; value: unknown } | { ok: false; error: string } {
	if (jsonNestingDepth(text, limit) > limit) {
		return { ok: false, error: `nested deeper than ${limit} levels, not read` };
	}
	try {
		return { ok: true, value: JSON.parse(text) as unknown };
	} catch (error) {
		return { ok: false, error: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
	}
}

export interface CopyLimits {
	/** Levels of objects/arrays kept (deeper ones become a short marker). */
	maxDepth: number;
	/** Entries kept per object or array. */
	maxEntries: number;
	/** Characters kept per string (and per key). */
	maxString: number;
	/** Values copied in all; the rest become markers. */
	maxNodes: number;
}

/** What an item may carry of one reported value (`observedValue`, a component's own status…). */
export const ITEM_COPY_LIMITS: CopyLimits = { maxDepth: 4, maxEntries: 20, maxString: 500, maxNodes: 200 };

const DEEPER = '[nested deeper, not copied]';

function cutString(value: string, max: number): string {
	return value.length > max ? `${value.slice(0, max)}…` : value;
}

/**
 * A copy of `value` no larger than `limits`, safe to put into an item and to
 * serialize. Objects come out as plain objects built with own data properties
 * (a key `__proto__` stays a key), functions and symbols as undefined.
 * Iterative: a pathological input costs at most `maxNodes` steps.
 */
export function boundedCopy(value: unknown, limits: CopyLimits = ITEM_COPY_LIMITS): unknown {
	const scalar = (v: unknown): unknown => {
		if (typeof v === 'string') return cutString(v, limits.maxString);
		if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
		if (typeof v === 'bigint') return v.toString();
		return undefined;
	};
	if (typeof value !== 'object' || value === null) return scalar(value);

	let nodes = 0;
	const root: { value?: unknown } = {};
	const stack: Array<{ source: unknown; depth: number; assign: (copy: unknown) => void }> = [
		{ source: value, depth: 1, assign: (copy) => (root.value = copy) },
	];
	while (stack.length > 0) {
		const { source, depth, assign } = stack.pop()!;
		nodes++;
		if (typeof source !== 'object' || source === null) {
			assign(scalar(source));
			continue;
		}
		if (depth > limits.maxDepth || nodes > limits.maxNodes) {
			assign(DEEPER);
			continue;
		}
		if (Array.isArray(source)) {
			const copy: unknown[] = [];
			assign(copy);
			const n = Math.min(source.length, limits.maxEntries);
			for (let i = 0; i < n; i++) {
				copy.push(undefined);
				stack.push({ source: source[i], depth: depth + 1, assign: (c) => (copy[i] = c) });
			}
			if (source.length > n) copy.push(`… ${source.length - n} more`);
			continue;
		}
		const copy: Record<string, unknown> = {};
		assign(copy);
		let kept = 0;
		let skipped = 0;
		for (const key of Object.keys(source)) {
			if (kept >= limits.maxEntries) {
				skipped++;
				continue;
			}
			kept++;
			const name = cutString(key, limits.maxString);
			Object.defineProperty(copy, name, { value: undefined, writable: true, enumerable: true, configurable: true });
			stack.push({ source: (source as Record<string, unknown>)[key], depth: depth + 1, assign: (c) => (copy[name] = c) });
		}
		if (skipped > 0) copy['…'] = `${skipped} more keys`;
	}
	return root.value;
}

/** Short text of any value for a message: strings as they are, the rest as bounded JSON; at most `max` characters. */
export function shortText(value: unknown, max = 200): string {
	const text = typeof value === 'string' ? value : (JSON.stringify(boundedCopy(value)) ?? String(value));
	return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
