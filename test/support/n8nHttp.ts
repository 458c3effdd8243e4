/**
 * n8n's own outbound HTTP client (the one behind `this.helpers.httpRequest`
 * in n8n 2.x, axios underneath), used directly so the probe is tested against
 * the real client without a workflow around it.
 */
import 'reflect-metadata';
import { Container } from '@n8n/di';
import { OutboundHttp } from '@n8n/backend-network';
import type { IHttpRequestOptions } from 'n8n-workflow';
import type { HttpRequestFn } from '../../nodes/shared/probe';

export const n8nHttpRequest: HttpRequestFn = async (options: IHttpRequestOptions) =>
	await Container.get(OutboundHttp).requests().request(options);
