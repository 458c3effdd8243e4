/**
 * What `npm run gen -- --check` says about a generated JSON file that differs
 * from what is on disk: each config-owned value (GeneratedFile.owned) that the
 * file holds differently, with where it is and which config path gives it.
 * Other differences (a hand edit elsewhere, a forgotten regeneration) are
 * covered by the "out of date" line itself.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GeneratedFile } from './types';

function at(value: unknown, path: readonly (string | number)[]): unknown {
	return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined), value);
}

export function ownedDrift(file: GeneratedFile, current: string): string[] {
	if (!file.owned?.length) return [];
	let doc: unknown;
	try {
		doc = JSON.parse(current);
	} catch {
		return [`${file.path} does not parse as JSON`];
	}
	return file.owned
		.filter((o) => !isDeepStrictEqual(at(doc, o.path), o.value))
		.map((o) => `${file.path}: ${o.at} is ${JSON.stringify(at(doc, o.path)) ?? 'missing'}, ${o.from} gives ${JSON.stringify(o.value)}`);
}
