/**
 * The example ingestion pipeline: chunk a markdown corpus (this repository's
 * docs/) and write it into a Qdrant collection as points, over Qdrant's REST
 * API, the way a real pipeline would: create the collection when missing
 * (recreate it when its vectors config is not this pipeline's), delete every
 * old point, upsert the new ones in batches with `wait=true`.
 *
 * A point is one chunk: payload `{doc_id, heading, text}`, a UUID id derived
 * from a hash of the seed and the chunk's content, and a small local
 * embedding (16 feature-hashed token counts, no model downloaded). The ids
 * being content hashes is what lets a reader tell cheaply that the
 * collection changed (see qdrantCorpus.ts).
 *
 * Two modes:
 * - `good`: one chunk per markdown section (docsSearch.readDocs), so `doc_id`
 *   is the section's link, e.g. `runbooks#ragapidown`, and the RAG API over
 *   these points ranks exactly as docsSearch over docs/ does;
 * - `bad`: the broken re-index a wrong pipeline change produces, with all the
 *   usual mistakes at once: a chunker that ignores headings and merges every
 *   four sections into one chunk labelled with the first one's id and
 *   heading, a token budget that truncates the chunk to 40 words, and another
 *   seed for the ids and the hashing. Most golden sections are then not in
 *   the index at all, or only as a fragment inside a neighbour: recall@5
 *   collapses (test/unit/testbed/stack/reindex.test.ts measures it).
 */
import { createHash } from 'node:crypto';

import { readDocs, tokenize, type Section } from './docsSearch';
import { collectionPath, qdrantCall, QdrantRequestError, type QdrantTarget } from './qdrantRest';

export type ReindexMode = 'good' | 'bad';
export const REINDEX_MODES: readonly ReindexMode[] = ['good', 'bad'];

export interface ChunkPayload {
	doc_id: string;
	heading: string;
	text: string;
}

export interface ChunkPoint {
	id: string;
	vector: number[];
	payload: ChunkPayload;
}

export const VECTOR_SIZE = 16;
const SEEDS: Record<ReindexMode, string> = { good: 'ragops-docs-v1', bad: 'ragops-docs-v0-legacy' };
const BAD_MERGE = 4;
const BAD_WORD_BUDGET = 40;
const BATCH = 128;

/** A UUID (v4 layout) from a hash of the seed and the chunk: the same chunk always gets the same id. */
export function chunkId(seed: string, chunk: ChunkPayload): string {
	const h = createHash('sha256').update(`${seed}\0${chunk.doc_id}\0${chunk.heading}\0${chunk.text}`).digest('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Feature-hashed token counts, L2-normalised: a deterministic local embedding. */
export function embed(seed: string, text: string): number[] {
	const v = new Array<number>(VECTOR_SIZE).fill(0);
	for (const token of tokenize(text)) v[createHash('md5').update(seed + token).digest()[0]! % VECTOR_SIZE]! += 1;
	const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
	return norm ? v.map((x) => x / norm) : v;
}

/** The sections a mode turns into chunks. */
export function chunk(sections: readonly Section[], mode: ReindexMode): ChunkPayload[] {
	if (mode === 'good') return sections.map((s) => ({ doc_id: s.id, heading: s.heading, text: s.body }));
	const out: ChunkPayload[] = [];
	const byFile = new Map<string, Section[]>();
	for (const s of sections) {
		const file = s.id.slice(0, s.id.indexOf('#'));
		byFile.set(file, [...(byFile.get(file) ?? []), s]);
	}
	for (const list of byFile.values()) {
		for (let i = 0; i < list.length; i += BAD_MERGE) {
			const group = list.slice(i, i + BAD_MERGE);
			const words = group.map((s) => `${s.heading} ${s.body}`).join(' ').split(/\s+/).filter(Boolean);
			out.push({ doc_id: group[0]!.id, heading: group[0]!.heading, text: words.slice(0, BAD_WORD_BUDGET).join(' ') });
		}
	}
	return out;
}

export function pointsOf(sections: readonly Section[], mode: ReindexMode): ChunkPoint[] {
	const seed = SEEDS[mode];
	return chunk(sections, mode).map((payload) => ({ id: chunkId(seed, payload), vector: embed(seed, `${payload.heading} ${payload.text}`), payload }));
}

export interface IndexResult {
	documents: number;
	chunks: number;
	mode: ReindexMode;
}

/** Replaces the collection's contents with the corpus under `docsDir`, chunked by `mode`. */
export async function indexDocs(target: QdrantTarget, docsDir: string, mode: ReindexMode): Promise<IndexResult> {
	const sections = readDocs(docsDir);
	const points = pointsOf(sections, mode);
	const path = collectionPath(target);
	const wanted = { size: VECTOR_SIZE, distance: 'Cosine' };
	let existing: { config: { params: { vectors: unknown } } } | undefined;
	try {
		existing = await qdrantCall(target, 'GET', path);
	} catch (error) {
		if (!(error instanceof QdrantRequestError && error.status === 404)) throw error;
	}
	const vectors = existing?.config.params.vectors as { size?: number; distance?: string } | undefined;
	if (existing && (vectors?.size !== wanted.size || vectors?.distance !== wanted.distance)) {
		// Another vectors config cannot take these points: recreate (the collection's snapshots stay).
		await qdrantCall(target, 'DELETE', path);
		existing = undefined;
	}
	if (!existing) await qdrantCall(target, 'PUT', path, { vectors: wanted });
	await qdrantCall(target, 'POST', `${path}/points/delete?wait=true`, { filter: {} });
	for (let i = 0; i < points.length; i += BATCH) {
		await qdrantCall(target, 'PUT', `${path}/points?wait=true`, { points: points.slice(i, i + BATCH) });
	}
	return { documents: new Set(sections.map((s) => s.id.slice(0, s.id.indexOf('#')))).size, chunks: points.length, mode };
}
