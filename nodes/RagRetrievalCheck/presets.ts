/**
 * Search API shapes the node knows: how to call it and where the ranked
 * results are in its answer. `custom` is every field by hand.
 */

export type SearchPresetName = 'ragApi' | 'openaiVectorStore' | 'custom';

export interface SearchPreset {
	name: SearchPresetName;
	displayName: string;
	description: string;
	method: 'GET' | 'POST';
	/** Path added to a base URL that has none. */
	path: string;
	/** JSON body template; `{query}` and `{k}` are filled in per case (see transport.ts). */
	body: string;
	resultsPath: string;
	idPath: string;
	scorePath: string;
	textPath: string;
}

export const SEARCH_PRESETS: Record<SearchPresetName, SearchPreset> = {
	ragApi: {
		// testbed/stack/ragApi.ts: POST /query {"question": …} → {"question", "documents": [{id, score, text}]}.
		name: 'ragApi',
		displayName: 'Example Stack RAG API',
		description: 'POST /query {"question", "k"} → documents[].id, score, text (testbed/stack/ragApi.ts)',
		method: 'POST',
		path: '/query',
		body: '{"question": "{query}", "k": "{k}"}',
		resultsPath: 'documents',
		idPath: 'id',
		scorePath: 'score',
		textPath: 'text',
	},
	openaiVectorStore: {
		// OpenAI API reference, "Search vector store": POST /v1/vector_stores/{vector_store_id}/search
		// {query, max_num_results (1-50)} → {object: "vector_store.search_results.page", data: [{file_id, filename, score, attributes, content: [{type: "text", text}]}], has_more, next_page}.
		name: 'openaiVectorStore',
		displayName: 'OpenAI Vector Store Search',
		description: 'POST /v1/vector_stores/{ID}/search {"query", "max_num_results"} → data[].file_id, score',
		method: 'POST',
		path: '/v1/vector_stores/{vectorStoreId}/search',
		body: '{"query": "{query}", "max_num_results": "{k}"}',
		resultsPath: 'data',
		idPath: 'file_id',
		scorePath: 'score',
		textPath: 'content[0].text',
	},
	custom: {
		name: 'custom',
		displayName: 'Custom',
		description: 'Any JSON search API: method, body and result paths set below',
		method: 'POST',
		path: '',
		body: '{"query": "{query}", "k": "{k}"}',
		resultsPath: 'results',
		idPath: 'id',
		scorePath: 'score',
		textPath: 'text',
	},
};

export function isSearchPreset(name: string): name is SearchPresetName {
	return Object.prototype.hasOwnProperty.call(SEARCH_PRESETS, name);
}

/**
 * The endpoint of a preset: a URL with a path is used as is; a bare base URL
 * (`http://rag-api:8000`) gets the preset's path. Returns text, not a URL
 * object: `{query}` / `{k}` placeholders must survive until each case fills
 * them in (a URL object would percent-encode the braces). Throws on a URL
 * that is not http(s).
 */
export function resolveSearchUrl(url: string, preset: SearchPreset, vectorStoreId = ''): string {
	const text = url.trim();
	const parsed = new URL(text);
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`not an http(s) URL: ${text}`);
	if ((parsed.pathname === '/' || parsed.pathname === '') && preset.path) {
		const path = preset.path.replace('{vectorStoreId}', encodeURIComponent(vectorStoreId));
		return `${parsed.origin}${path}${parsed.search}`;
	}
	return text;
}
