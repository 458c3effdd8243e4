/**
 * What the example RAG API searches: the points in a Qdrant collection, read
 * over the REST API and indexed with docsSearch's BM25 (the same ranking as
 * over docs/ directly), so a re-index, a bad re-index or a snapshot restore
 * changes the answers exactly as it changes the collection.
 *
 * Keeping it current, cheaply and without stale answers: every query first
 * scrolls the collection's point ids only (no payloads: a few kB for the
 * docs corpus) and hashes them. The ingestion pipeline's ids are content
 * hashes (docsIndexer.chunkId), so the id set changes whenever the content
 * does; an unseen id set means a full scroll with payloads and a rebuilt
 * index. The last few indexes are kept by their id hash, so a restore back to
 * a state seen before (good → bad → restored good) is answered at once, and
 * concurrent queries share one rebuild. A writer that changes a point's
 * payload under the same id would not be seen: this reader trusts the
 * pipeline's content-addressed ids, and says so here.
 */
import { createHash } from 'node:crypto';

import { buildIndex, type DocsIndex, type Section } from './docsSearch';
import { scrollAll, type PointId, type QdrantTarget } from './qdrantRest';

export interface QdrantCorpus {
	/** The index of what the collection holds now. */
	current(): Promise<DocsIndex>;
	/** How many times the index was rebuilt from a full scroll (for tests). */
	readonly rebuilds: number;
}

const fingerprint = (ids: readonly PointId[]) => createHash('sha256').update(ids.map(String).sort().join('\n')).digest('hex');

export function qdrantCorpus(target: QdrantTarget, keep = 4): QdrantCorpus {
	const cache = new Map<string, Promise<DocsIndex>>();
	let rebuilds = 0;
	const remember = (key: string, index: Promise<DocsIndex>) => {
		cache.delete(key);
		cache.set(key, index);
		while (cache.size > keep) cache.delete(cache.keys().next().value!);
	};
	const rebuild = async (): Promise<DocsIndex> => {
		rebuilds++;
		const points = await scrollAll<Partial<{ doc_id: unknown; heading: unknown; text: unknown }>>(target, true);
		const docs: Section[] = points.map((p) => ({
			id: typeof p.payload?.doc_id === 'string' ? p.payload.doc_id : String(p.id),
			heading: typeof p.payload?.heading === 'string' ? p.payload.heading : '',
			body: typeof p.payload?.text === 'string' ? p.payload.text : '',
		}));
		const index = buildIndex(docs);
		// Filed under the ids it was really built from (the collection may have moved on since the id scroll).
		remember(fingerprint(points.map((p) => p.id)), Promise.resolve(index));
		return index;
	};
	return {
		async current() {
			const key = fingerprint((await scrollAll(target, false)).map((p) => p.id));
			const hit = cache.get(key);
			if (hit) {
				remember(key, hit);
				return await hit;
			}
			const building = rebuild();
			remember(key, building);
			// A failed rebuild is not kept: the next query tries again.
			building.catch(() => cache.get(key) === building && cache.delete(key));
			return await building;
		},
		get rebuilds() {
			return rebuilds;
		},
	};
}
