/**
 * The few Qdrant REST calls the example stack's services make (the ingestion
 * pipeline writes points, the RAG API reads them), over plain fetch: the
 * services talk to Qdrant over HTTP like real ones, against the stand-in or a
 * real Qdrant alike. Answers are Qdrant's `{result, status, time}`; an error
 * answer `{status: {error}}` becomes a QdrantRequestError carrying Qdrant's
 * text and code.
 */
export interface QdrantTarget {
	url: string;
	collection: string;
	apiKey?: string;
}

export type PointId = number | string;

export interface ScrolledPoint<P> {
	id: PointId;
	payload?: P;
}

export class QdrantRequestError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export async function qdrantCall<T>(target: QdrantTarget, method: string, path: string, body?: unknown): Promise<T> {
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (target.apiKey) headers['api-key'] = target.apiKey;
	const answer = await fetch(`${target.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await answer.text();
	let json: { result?: T; status?: unknown } | undefined;
	try {
		json = JSON.parse(text) as typeof json;
	} catch {
		json = undefined;
	}
	if (!answer.ok) {
		const error = (json?.status as { error?: string } | undefined)?.error ?? text;
		throw new QdrantRequestError(answer.status, `Qdrant ${method} ${path}: ${answer.status} ${error}`);
	}
	return json?.result as T;
}

const collectionPath = (target: QdrantTarget) => `/collections/${encodeURIComponent(target.collection)}`;

/** Every point of the collection, following `next_page_offset` (payloads only when asked). */
export async function scrollAll<P>(target: QdrantTarget, withPayload: boolean, pageSize = 256): Promise<Array<ScrolledPoint<P>>> {
	const out: Array<ScrolledPoint<P>> = [];
	let offset: PointId | null = null;
	do {
		const page: { points: Array<ScrolledPoint<P>>; next_page_offset: PointId | null } = await qdrantCall(
			target,
			'POST',
			`${collectionPath(target)}/points/scroll`,
			{ limit: pageSize, with_payload: withPayload, with_vector: false, ...(offset === null ? {} : { offset }) },
		);
		out.push(...page.points);
		offset = page.next_page_offset;
	} while (offset !== null);
	return out;
}

export { collectionPath };
