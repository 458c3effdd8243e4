/**
 * The points side of the Qdrant stand-in (qdrantStandIn.ts): a collection's
 * vectors config and points, the request bodies of the points API parsed and
 * validated the way Qdrant v1.19.0 does it, filters, and the collection state
 * a snapshot of the stand-in carries.
 *
 * From Qdrant's source (lib/segment/src/types.rs, lib/api/src/rest/schema.rs,
 * lib/shard/src/scroll.rs, lib/collection/src/operations/types.rs):
 * - a point id is an unsigned integer or a UUID (`ExtendedPointId`); anything
 *   else is the deserializer's "value … is not a valid point ID, valid values
 *   are either an unsigned integer or a UUID"; UUIDs are answered hyphenated,
 *   lower case; ids order integers first, then UUIDs (the enum's order), which
 *   is the order scroll pages through;
 * - `Cosine` collections store vectors normalised (Qdrant normalises on upsert);
 *   a vector of the wrong length is "Vector dimension error: expected dim: N, got M";
 * - scroll: `limit` default 10, at least 1 (a validator: 422), `with_payload`
 *   default true, `with_vector` default false, `offset` the first id to return,
 *   `next_page_offset` the id after the page (null on the last one);
 * - filters: `must` / `should` / `must_not` (a condition or a list), with field
 *   conditions `match` (`value`, `any`, `except`), `has_id`, `is_empty`,
 *   `is_null` and nested filters; an empty filter matches every point. Other
 *   conditions (range, geo, full-text, …) are refused with a 400 saying the
 *   stand-in does not evaluate them, rather than silently matching.
 *
 * Snapshot state: `encodeCollectionState` writes a short magic line, the JSON
 * length and the JSON of {vectors, points}; `decodeCollectionState` reads it
 * back from the first bytes of a snapshot and returns undefined for bytes
 * without the magic (seeded / uploaded opaque snapshots of the backup tests).
 */
import { Buffer } from 'node:buffer';

export type PointId = number | string;
export type Payload = Record<string, unknown>;
export type Distance = 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan';
export interface VectorParams {
	size: number;
	distance: Distance;
}
/** One unnamed vector, or named vectors (possibly none). */
export type VectorsConfig = VectorParams | Record<string, VectorParams>;
export type StoredVector = number[] | Record<string, number[]>;

export interface StoredPoint {
	id: PointId;
	vector: StoredVector;
	payload: Payload;
}

export interface CollectionData {
	vectors: VectorsConfig;
	/** Keyed by `pointKey(id)`. */
	points: Map<string, StoredPoint>;
}

/** Qdrant's StorageError / CollectionError text with its HTTP code. */
export class QdrantError extends Error {
	constructor(
		readonly code: number,
		message: string,
	) {
		super(message);
	}
}

const DISTANCES: readonly Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];
/** lib/segment/src/types.rs: the largest dense vector Qdrant accepts. */
export const MAX_DIMENSION = 65536;
const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

const format = (what: string) => new QdrantError(400, `Format error in JSON body: ${what}`);

export function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An `ExtendedPointId`, normalised (UUIDs hyphenated, lower case), or a 400 as Qdrant's deserializer gives it. */
export function parsePointId(value: unknown): PointId {
	if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
	if (typeof value === 'string') {
		if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
		const m = UUID.exec(value);
		if (m) return m.slice(1).join('-').toLowerCase();
	}
	throw format(`value ${JSON.stringify(value)} is not a valid point ID, valid values are either an unsigned integer or a UUID`);
}

export const pointKey = (id: PointId): string => (typeof id === 'number' ? `n:${id}` : `u:${id}`);

/** Integers (ascending) before UUIDs (by their bytes = their hex text). */
export function compareIds(a: PointId, b: PointId): number {
	if (typeof a === 'number' && typeof b === 'number') return a - b;
	if (typeof a === 'number') return -1;
	if (typeof b === 'number') return 1;
	return a < b ? -1 : a > b ? 1 : 0;
}

function parseVectorParams(value: unknown, field: string): VectorParams {
	if (!isObject(value)) throw format(`${field}: invalid type, expected struct VectorParams`);
	if (typeof value.size !== 'number' || !Number.isInteger(value.size) || value.size < 0) {
		throw format(`${field}.size: invalid value: expected u64`);
	}
	if (!DISTANCES.includes(value.distance as Distance)) {
		throw format(`unknown variant \`${String(value.distance)}\`, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\``);
	}
	if (value.size < 1 || value.size > MAX_DIMENSION) {
		throw new QdrantError(422, `Validation error in JSON body: [${field}.size: value ${value.size} invalid, must be from 1 to ${MAX_DIMENSION}]`);
	}
	return { size: value.size, distance: value.distance as Distance };
}

/** `CreateCollection.vectors`: VectorParams, a map of named VectorParams, or absent (no dense vectors). */
export function parseVectorsConfig(value: unknown): VectorsConfig {
	if (value === undefined || value === null) return {};
	if (isObject(value) && 'size' in value) return parseVectorParams(value, 'vectors');
	if (!isObject(value)) throw format('data did not match any variant of untagged enum VectorsConfig');
	return Object.fromEntries(Object.entries(value).map(([name, params]) => [name, parseVectorParams(params, `vectors.${name}`)]));
}

const isSingle = (config: VectorsConfig): config is VectorParams => typeof (config as VectorParams).size === 'number';

function checkVector(vector: unknown, params: VectorParams): number[] {
	if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
		throw format('data did not match any variant of untagged enum VectorStruct');
	}
	if (vector.length !== params.size) {
		throw new QdrantError(400, `Wrong input: Vector dimension error: expected dim: ${params.size}, got ${vector.length}`);
	}
	if (params.distance !== 'Cosine') return [...(vector as number[])];
	const norm = Math.sqrt((vector as number[]).reduce((s, x) => s + x * x, 0));
	return norm === 0 ? [...(vector as number[])] : (vector as number[]).map((x) => x / norm);
}

/** A point's vector checked against the collection's config (unnamed or named). */
export function parseVector(vector: unknown, config: VectorsConfig): StoredVector {
	if (isSingle(config)) {
		if (isObject(vector)) {
			const names = Object.keys(vector);
			// An unnamed vector may be sent under the default name "".
			if (names.length === 1 && names[0] === '') return checkVector(vector[''], config);
			throw new QdrantError(400, `Wrong input: Not existing vector name error: ${names.join(', ')}`);
		}
		return checkVector(vector, config);
	}
	if (Array.isArray(vector)) {
		if (vector.length === 0 && Object.keys(config).length === 0) return {};
		throw new QdrantError(400, 'Wrong input: Not existing vector name error: ');
	}
	if (!isObject(vector)) throw format('data did not match any variant of untagged enum VectorStruct');
	const out: Record<string, number[]> = {};
	for (const [name, v] of Object.entries(vector)) {
		const params = config[name];
		if (!params) throw new QdrantError(400, `Wrong input: Not existing vector name error: ${name}`);
		out[name] = checkVector(v, params);
	}
	return out;
}

/** `PointInsertOperations`: `{points: [{id, vector, payload}]}` or `{batch: {ids, vectors, payloads}}`. */
export function parseUpsert(body: unknown, config: VectorsConfig): StoredPoint[] {
	if (!isObject(body)) throw format('data did not match any variant of untagged enum PointInsertOperations');
	const payloadOf = (value: unknown): Payload => {
		if (value === undefined || value === null) return {};
		if (!isObject(value)) throw format('invalid type: expected a map for the payload');
		return value;
	};
	if (Array.isArray(body.points)) {
		return body.points.map((p: unknown) => {
			if (!isObject(p) || !('id' in p)) throw format('data did not match any variant of untagged enum PointInsertOperations');
			return { id: parsePointId(p.id), vector: parseVector(p.vector ?? p.vectors ?? {}, config), payload: payloadOf(p.payload) };
		});
	}
	if (isObject(body.batch) && Array.isArray(body.batch.ids)) {
		const { ids, vectors, payloads } = body.batch as { ids: unknown[]; vectors?: unknown; payloads?: unknown };
		const vectorList = Array.isArray(vectors) ? vectors : undefined;
		if (vectorList && vectorList.length !== ids.length) {
			throw new QdrantError(422, `Validation error in JSON body: [batch: number of ids and vectors must be equal (${ids.length} != ${vectorList.length})]`);
		}
		if (Array.isArray(payloads) && payloads.length !== ids.length) {
			throw new QdrantError(422, `Validation error in JSON body: [batch: number of ids and payloads must be equal (${ids.length} != ${payloads.length})]`);
		}
		return ids.map((id, i) => ({
			id: parsePointId(id),
			vector: parseVector(vectorList ? vectorList[i] : {}, config),
			payload: payloadOf(Array.isArray(payloads) ? payloads[i] : undefined),
		}));
	}
	throw format('data did not match any variant of untagged enum PointInsertOperations');
}

/** A payload value at a dotted key; arrays on the way fan out (Qdrant's `a.b` over `a: [{b}]`). */
function valuesAt(payload: Payload, key: string): unknown[] {
	let values: unknown[] = [payload];
	for (const part of key.replace(/\[\]$/, '').split('.')) {
		values = values.flatMap((v) => (Array.isArray(v) ? v : [v])).flatMap((v) => (isObject(v) && part in v ? [v[part]] : []));
	}
	return values.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

const unsupported = (what: string) => new QdrantError(400, `Bad request: the Qdrant stand-in does not evaluate ${what} conditions`);

function conditionMatches(condition: unknown, point: StoredPoint): boolean {
	if (!isObject(condition)) throw format('data did not match any variant of untagged enum Condition');
	if ('has_id' in condition) {
		if (!Array.isArray(condition.has_id)) throw format('has_id: invalid type, expected a sequence');
		const key = pointKey(point.id);
		return condition.has_id.some((id) => pointKey(parsePointId(id)) === key);
	}
	if ('must' in condition || 'should' in condition || 'must_not' in condition) return filterMatches(condition, point);
	if ('filter' in condition && Object.keys(condition).length === 1) return filterMatches(condition.filter, point);
	if ('is_empty' in condition) {
		const key = (condition.is_empty as { key?: unknown })?.key;
		return valuesAt(point.payload, String(key)).filter((v) => v !== null).length === 0;
	}
	if ('is_null' in condition) {
		const key = String((condition.is_null as { key?: unknown })?.key);
		return valuesAt(point.payload, key).some((v) => v === null);
	}
	if (typeof condition.key === 'string' && isObject(condition.match)) {
		const values = valuesAt(point.payload, condition.key);
		const match = condition.match;
		if ('value' in match) return values.some((v) => v === match.value);
		if (Array.isArray(match.any)) return values.some((v) => (match.any as unknown[]).includes(v));
		if (Array.isArray(match.except)) return values.length > 0 && values.every((v) => !(match.except as unknown[]).includes(v));
		throw unsupported(`match ${Object.keys(match).join(', ')}`);
	}
	throw unsupported(Object.keys(condition).filter((k) => k !== 'key').join(', ') || 'empty');
}

const list = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

/** Qdrant's `Filter`: every `must`, at least one `should` (when any), no `must_not`. */
export function filterMatches(filter: unknown, point: StoredPoint): boolean {
	if (filter === undefined || filter === null) return true;
	if (!isObject(filter)) throw format('invalid type, expected struct Filter');
	if ('min_should' in filter && filter.min_should != null) throw unsupported('min_should');
	const should = list(filter.should);
	return (
		list(filter.must).every((c) => conditionMatches(c, point)) &&
		(should.length === 0 || should.some((c) => conditionMatches(c, point))) &&
		!list(filter.must_not).some((c) => conditionMatches(c, point))
	);
}

/** `with_payload`: true/false, a list of keys, or `{include}` / `{exclude}`. */
export function selectPayload(payload: Payload, selector: unknown): Payload | undefined {
	if (selector === undefined || selector === null || selector === true) return payload;
	if (selector === false) return undefined;
	const pick = (keys: unknown[], keep: boolean) =>
		Object.fromEntries(Object.entries(payload).filter(([k]) => keys.includes(k) === keep));
	if (Array.isArray(selector)) return pick(selector, true);
	if (isObject(selector) && 'include' in selector) return pick(list(selector.include), true);
	if (isObject(selector) && 'exclude' in selector) return pick(list(selector.exclude), false);
	throw format('data did not match any variant of untagged enum WithPayloadInterface');
}

/** `with_vector`: true/false or a list of vector names. */
export function selectVector(vector: StoredVector, selector: unknown): StoredVector | undefined {
	if (selector === undefined || selector === null || selector === false) return undefined;
	if (selector === true) return vector;
	if (Array.isArray(selector) && !Array.isArray(vector)) {
		return Object.fromEntries(Object.entries(vector).filter(([name]) => selector.includes(name)));
	}
	if (Array.isArray(selector)) return selector.includes('') ? vector : {};
	throw format('data did not match any variant of untagged enum WithVector');
}

/** The points a filter selects, in id order. */
export function selectPoints(data: CollectionData, filter: unknown): StoredPoint[] {
	return [...data.points.values()].filter((p) => filterMatches(filter, p)).sort((a, b) => compareIds(a.id, b.id));
}

const MAGIC = 'ragops-qdrant-stand-in-collection/1\n';

/** The head of a snapshot of the stand-in: magic line, byte length line, JSON of the collection state. */
export function encodeCollectionState(data: CollectionData): Buffer {
	const json = Buffer.from(JSON.stringify({ vectors: data.vectors, points: [...data.points.values()] }), 'utf8');
	return Buffer.concat([Buffer.from(`${MAGIC}${json.length}\n`, 'utf8'), json]);
}

/** The collection state in a snapshot's bytes, or undefined when the bytes are not a stand-in collection snapshot. */
export function decodeCollectionState(bytes: Buffer): CollectionData | undefined {
	if (!bytes.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) return undefined;
	const lineEnd = bytes.indexOf(0x0a, MAGIC.length);
	const length = Number(bytes.subarray(MAGIC.length, lineEnd).toString('utf8'));
	if (lineEnd < 0 || !Number.isSafeInteger(length) || lineEnd + 1 + length > bytes.length) {
		throw new QdrantError(400, 'Wrong input: the snapshot archive is truncated or corrupt');
	}
	const state = JSON.parse(bytes.subarray(lineEnd + 1, lineEnd + 1 + length).toString('utf8')) as { vectors: VectorsConfig; points: StoredPoint[] };
	return { vectors: state.vectors, points: new Map(state.points.map((p) => [pointKey(p.id), p])) };
}
