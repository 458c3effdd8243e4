import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * Where the nodes push their `ragops_*` metrics: a Prometheus Pushgateway,
 * optionally behind a reverse proxy that asks for HTTP basic auth (the
 * Pushgateway itself has no auth of its own beyond its web config).
 *
 * Data: `{ url: string; username?: string; password?: string }`.
 */
export class RagOpsPushgatewayApi implements ICredentialType {
	name = 'ragOpsPushgatewayApi';

	displayName = 'RagOps Pushgateway API';

	icon: Icon = { light: 'file:pushgateway.svg', dark: 'file:pushgateway.dark.svg' };

	documentationUrl = 'https://github.com/prometheus/pushgateway#readme';

	properties: INodeProperties[] = [
		{
			displayName: 'URL',
			name: 'url',
			type: 'string',
			default: 'http://localhost:9091',
			placeholder: 'http://pushgateway:9091',
			required: true,
			description: 'Base URL of the Pushgateway, without the /metrics path',
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			description:
				'Username for HTTP basic auth, when a reverse proxy in front of the Pushgateway asks for it. Leave empty for none.',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Password for HTTP basic auth (only used when a username is set)',
		},
	];

	// A function rather than the generic form: the generic `auth` block would
	// send `Authorization: Basic Og==` (empty user and password) to every
	// Pushgateway without a proxy; this only sends basic auth when a username is set.
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const username = typeof credentials.username === 'string' ? credentials.username : '';
		if (username === '') return requestOptions;
		const password = typeof credentials.password === 'string' ? credentials.password : '';
		return { ...requestOptions, auth: { username, password } };
	}

	// The Pushgateway's status API (GET /api/v1/status, pushgateway/api/v1):
	// only a Pushgateway answers it with build information, so a test against
	// another web page (n8n's own UI, a Prometheus) fails instead of passing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.url}}',
			url: '/api/v1/status',
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
				properties: { value: 401, message: 'The proxy in front of the Pushgateway refused the username or password (HTTP 401)' },
			},
			{
				type: 'responseCode',
				properties: { value: 404, message: 'No Pushgateway status API at this URL (HTTP 404): give the Pushgateway base URL, e.g. http://pushgateway:9091' },
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'data.build_information.version',
					value: undefined,
					message: 'This URL answers, but not as a Prometheus Pushgateway (no build information at /api/v1/status): check the URL and port (9091 by default)',
				},
			},
		] as unknown as ICredentialTestRequest['rules'],
	};
}
