import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * Authentication for the user's RAG services (RAG API, search service,
 * Qdrant, Chroma…) as probed by the RAG Health Check: a bearer token, an API
 * key in a header whose name is configurable (Qdrant reads `api-key`, many
 * APIs `X-API-Key`), or HTTP basic auth.
 */
export class RagServiceApi implements ICredentialType {
	name = 'ragServiceApi';

	displayName = 'RagOps Service API';

	icon: Icon = { light: 'file:ragService.svg', dark: 'file:ragService.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-ragops/n8n-nodes-ragops/blob/main/docs/nodes/rag-health-check.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Authentication Type',
			name: 'authType',
			type: 'options',
			options: [
				{ name: 'Bearer Token', value: 'bearer', description: 'Sends Authorization: Bearer &lt;token&gt;' },
				{ name: 'API Key Header', value: 'apiKeyHeader', description: 'Sends the key in a header you name' },
				{ name: 'Basic Auth', value: 'basic', description: 'Sends Authorization: Basic with a user and password' },
			],
			default: 'bearer',
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authType: ['bearer'] } },
		},
		{
			displayName: 'Header Name',
			name: 'headerName',
			type: 'string',
			default: 'X-API-Key',
			placeholder: 'api-key',
			description: 'Name of the header carrying the key (Qdrant uses api-key)',
			displayOptions: { show: { authType: ['apiKeyHeader'] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authType: ['apiKeyHeader'] } },
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			displayOptions: { show: { authType: ['basic'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authType: ['basic'] } },
		},
		{
			displayName: 'Test URL',
			name: 'testUrl',
			type: 'string',
			default: '',
			placeholder: 'http://rag-api:8000/v1/auth/check',
			required: true,
			description:
				'An endpoint that checks these credentials (answers 401 or 403 without them), e.g. the example RAG API\'s /v1/auth/check. Not a public /health: that passes with any token.',
		},
	];

	// A function, not the generic form: the header name is itself a setting,
	// and only the chosen scheme's header may be sent.
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const headers = { ...(requestOptions.headers ?? {}) };
		const str = (v: unknown) => (typeof v === 'string' ? v : '');
		switch (credentials.authType) {
			case 'apiKeyHeader': {
				const name = str(credentials.headerName).trim() || 'X-API-Key';
				headers[name] = str(credentials.apiKey);
				return { ...requestOptions, headers };
			}
			case 'basic':
				return { ...requestOptions, auth: { username: str(credentials.user), password: str(credentials.password) } };
			default:
				headers.Authorization = `Bearer ${str(credentials.token)}`;
				return { ...requestOptions, headers };
		}
	}

	// Passes only on a 2xx from the Test URL; the rules turn refusals into
	// sentences (n8n would show a bare status text otherwise).
	test: ICredentialTestRequest = {
		request: {
			url: '={{$credentials.testUrl}}',
			method: 'GET',
			timeout: 10000,
		},
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: 'The service refused these credentials (HTTP 401): check the token, key or password' } },
			{ type: 'responseCode', properties: { value: 403, message: 'The service accepted who you are but refused access (HTTP 403): check the credential\'s permissions' } },
			{ type: 'responseCode', properties: { value: 404, message: 'The Test URL does not exist on the service (HTTP 404): give an endpoint that checks credentials' } },
		],
	};
}
