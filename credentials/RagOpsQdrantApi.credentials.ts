import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * A Qdrant instance's REST API, for the Qdrant Backup node. Named
 * `ragOpsQdrantApi` so it never clashes with the official Qdrant node's
 * `qdrantApi`.
 *
 * Data: `{ url: string; apiKey?: string }`. Qdrant reads the key from the
 * `api-key` header (https://qdrant.tech/documentation/guides/security/).
 */
export class RagOpsQdrantApi implements ICredentialType {
	name = 'ragOpsQdrantApi';

	displayName = 'RagOps Qdrant API';

	icon: Icon = { light: 'file:qdrant.svg', dark: 'file:qdrant.dark.svg' };

	documentationUrl = 'https://qdrant.tech/documentation/guides/security/';

	properties: INodeProperties[] = [
		{
			displayName: 'URL',
			name: 'url',
			type: 'string',
			default: 'http://localhost:6333',
			placeholder: 'http://qdrant:6333',
			required: true,
			description: 'Base URL of the Qdrant REST API (port 6333 by default), without a trailing path',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Sent as the api-key header. Leave empty when Qdrant runs without an API key.',
		},
	];

	// A function rather than the generic form: the generic form would send an
	// empty `api-key:` header to an open Qdrant; this sends it only when set.
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const apiKey = typeof credentials.apiKey === 'string' ? credentials.apiKey : '';
		if (apiKey === '') return requestOptions;
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), 'api-key': apiKey } };
	}

	// Lists collections: needs a valid key (401/403 otherwise) and touches
	// nothing. Only Qdrant answers with `result.collections` (its documented
	// envelope `{result, status, time}`), so another web page fails the test.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.url}}',
			url: '/collections',
			method: 'GET',
			json: true,
			timeout: 10000,
		},
		// n8n's tester walks one list for both kinds (status code rules on a
		// failed request, body rules on a successful one); its type only
		// allows a list of one kind, hence the cast.
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'Qdrant refused the API key (HTTP 401): check API Key (empty only when Qdrant runs without one)' },
			},
			{
				type: 'responseCode',
				properties: { value: 403, message: 'Qdrant refused the API key for listing collections (HTTP 403): use a key with read access' },
			},
			{
				type: 'responseCode',
				properties: { value: 404, message: 'No Qdrant REST API at this URL (HTTP 404): give the base URL, e.g. http://qdrant:6333' },
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'result.collections',
					value: undefined,
					message: 'This URL answers, but not as Qdrant (no collections list at /collections): check the URL and port (6333 by default)',
				},
			},
		] as unknown as ICredentialTestRequest['rules'],
	};
}
