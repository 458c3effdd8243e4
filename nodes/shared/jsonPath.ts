/**
 * A deliberately small JSON path: `$.a.b[0]['key with spaces']`, with the
 * leading `$`/`$.` optional (`result.status` works too). Enough to point at a
 * field of a health answer; no filters or wildcards, so a path is always one
 * value or "not found" and never an expensive query on a hostile body.
 */

export type PathSegment = string | number;

export class JsonPathSyntaxError extends Error {}

export function parseJsonPath(path: string): PathSegment[] {
	let rest = path.trim();
	if (rest.startsWith('$')) rest = rest.slice(1);
	const segments: PathSegment[] = [];
	let i = 0;
	while (i < rest.length) {
		const ch = rest[i];
		if (ch === '.') {
			i++;
			const match = /^[^.[\]]+/.exec(rest.slice(i));
			if (!match) throw new JsonPathSyntaxError(`empty name after "." at position ${i} in "${path}"`);
			segments.push(match[0]);
			i += match[0].length;
		} else if (ch === '[') {
			const inner = rest.slice(i + 1);
			const quoted = /^\s*(['"])((?:\\.|(?!\1).)*)\1\s*\]/.exec(inner);
			if (quoted) {
				segments.push(quoted[2].replace(/\\(.)/g, '$1'));
				i += 1 + quoted[0].length;
				continue;
			}
			const index = /^\s*(-?\d+)\s*\]/.exec(inner);
			if (!index) throw new JsonPathSyntaxError(`expected an index or a quoted name after "[" in "${path}"`);
			segments.push(Number(index[1]));
			i += 1 + index[0].length;
		} else if (segments.length === 0 && i === 0) {
			// Path without a leading "$.": the first name starts here.
			const match = /^[^.[\]]+/.exec(rest);
			if (!match) throw new JsonPathSyntaxError(`cannot read "${path}"`);
			segments.push(match[0]);
			i += match[0].length;
		} else {
			throw new JsonPathSyntaxError(`unexpected "${ch}" at position ${i} in "${path}"`);
		}
	}
	return segments;
}

export interface PathLookup {
	found: boolean;
	value?: unknown;
}

/** Look a path up in a parsed JSON value. Negative indexes count from the end. */
export function getJsonPath(root: unknown, path: string | PathSegment[]): PathLookup {
	const segments = typeof path === 'string' ? parseJsonPath(path) : path;
	let current: unknown = root;
	for (const segment of segments) {
		if (Array.isArray(current)) {
			const index = typeof segment === 'number' ? segment : /^-?\d+$/.test(segment) ? Number(segment) : NaN;
			if (!Number.isInteger(index)) return { found: false };
			const resolved = index < 0 ? current.length + index : index;
			if (resolved < 0 || resolved >= current.length) return { found: false };
			current = current[resolved];
		} else if (typeof current === 'object' && current !== null) {
			const key = String(segment);
			if (!Object.prototype.hasOwnProperty.call(current, key)) return { found: false };
			current = (current as Record<string, unknown>)[key];
		} else {
			return { found: false };
		}
	}
	return { found: true, value: current };
}
