import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { probe, type HttpRequestFn } from '../shared/probe';
import { displayUrl } from '../shared/urls';
import { decodeManifestBytes, MAX_MANIFEST_BYTES, type ManifestProblem } from './manifest';

/**
 * The one place the freshness check talks HTTP: the manifest (and backend
 * build info) fetched through the shared probe, with or without the RAG
 * service credential, as raw bytes decoded here.
 */

/** Credential for the user's RAG services (bearer / API-key header / basic). */
export const SERVICE_CREDENTIAL = 'ragServiceApi';

export interface SourceRead {
	value?: unknown;
	problems?: ManifestProblem[];
	/** Not a manifest problem: the manifest could not be fetched at all. */
	fetchError?: string;
}

function requester(ctx: IExecuteFunctions): HttpRequestFn {
	const auth = ctx.getNodeParameter('authentication', 0, 'none') as string;
	if (auth === 'ragServiceApi') {
		return async (options: IHttpRequestOptions) =>
			await ctx.helpers.httpRequestWithAuthentication.call(ctx, SERVICE_CREDENTIAL, options);
	}
	return async (options: IHttpRequestOptions) => await ctx.helpers.httpRequest(options);
}

export async function fetchJson(ctx: IExecuteFunctions, i: number, url: string, timeoutMs: number): Promise<SourceRead> {
	const result = await probe(requester(ctx), {
		url,
		timeoutMs,
		maxBodyBytes: MAX_MANIFEST_BYTES + 1,
		// The probe follows redirects within the URL's origin; another origin only when allowed, without the credential.
		allowCrossOriginRedirects: ctx.getNodeParameter('allowCrossOriginRedirects', i, false) as boolean,
		anonymousRequest: async (options: IHttpRequestOptions) => await ctx.helpers.httpRequest(options),
		// The bytes as sent: decoding them as UTF-8 first would hide UTF-16 and invalid UTF-8.
		keepRawBody: true,
	});
	const shown = displayUrl(url);
	if (result.error) return { fetchError: result.error.message.includes(shown) ? result.error.message : `${shown}: ${result.error.message}` };
	const response = result.response!;
	if (response.statusCode < 200 || response.statusCode > 299) {
		return { fetchError: `${result.finalUrl ? displayUrl(result.finalUrl) : shown} answered HTTP ${response.statusCode}` };
	}
	const decoded = decodeManifestBytes(response.raw ?? Buffer.from(response.body, 'utf8'));
	return decoded.ok ? { value: decoded.value } : { problems: decoded.problems };
}
