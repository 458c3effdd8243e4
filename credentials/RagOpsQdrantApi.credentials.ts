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

	// Lists collections: needs a valid key (401 otherwise) and touches nothing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.url}}',
			url: '/collections',
			method: 'GET',
		},
	};
}
