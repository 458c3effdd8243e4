import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

/**
 * The one place RAG Ingestion talks HTTP: calls to the user's ingestion API
 * (start and status), with or without the RAG service credential, never
 * following redirects; and what a failed call says about reaching the API.
 */

export const SERVICE_CREDENTIAL = 'ragServiceApi';

export interface HttpAnswer {
	statusCode: number;
	body: unknown;
	headers: Record<string, unknown>;
}

export async function call(ctx: IExecuteFunctions, options: IHttpRequestOptions): Promise<HttpAnswer> {
	// No redirects: n8n's client would follow them to any host and re-send the credential there
	// (an API-key header is never stripped). A 3xx is reported as the answer instead.
	const request: IHttpRequestOptions = {
		...options,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		json: true,
		disableFollowRedirect: true,
		sendCredentialsOnCrossOriginRedirect: false,
	};
	const auth = ctx.getNodeParameter('authentication', 0, 'none') as string;
	const res = (auth === 'ragServiceApi'
		? await ctx.helpers.httpRequestWithAuthentication.call(ctx, SERVICE_CREDENTIAL, request)
		: await ctx.helpers.httpRequest(request)) as { statusCode: number; body: unknown; headers?: Record<string, unknown> };
	return { statusCode: res.statusCode, body: res.body, headers: res.headers ?? {} };
}

/**
 * The transport error's code and message (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…), or undefined when
 * the error is not about reaching the API (a missing credential, say), which stays a node error.
 */
export function transportProblem(error: unknown): string | undefined {
	const e = error as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
	const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
	const message = typeof e.message === 'string' ? e.message : String(error);
	const transport = (code !== undefined && /^E[A-Z_]+$/.test(code)) || /timeout|socket hang up/i.test(message);
	if (!transport) return undefined;
	return code && !message.includes(code) ? `${code}: ${message}` : message;
}
