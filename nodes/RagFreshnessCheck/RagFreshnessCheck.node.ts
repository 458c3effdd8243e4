import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { getJsonPath } from '../shared/jsonPath';
import { ownValue, recordOf, setOwn } from './keyed';
import { METRICS, PUSH_JOBS } from '../shared/metricCatalog';
import { probe, type HttpRequestFn } from '../shared/probe';
import { pushMetrics, recordPush, pushMetricsProperties, type Sample } from '../shared/pushgateway';
import { pick, toolAnswer } from '../shared/toolAnswer';
import { HEALTH_STATUSES, type HealthStatus } from '../shared/status';
import { displayUrl, redactUrl, userinfoWarning } from '../shared/urls';
import { judgeManifest, overall, type BackendReport, type FreshnessCheck } from './judge';
import {
	decodeManifestBytes,
	formatProblems,
	MAX_MANIFEST_BYTES,
	validateManifest,
	type FreshnessManifest,
	type ManifestProblem,
} from './manifest';

/** Credential for the user's RAG services (bearer / API-key header / basic). */
const SERVICE_CREDENTIAL = 'ragServiceApi';
const HOUR_MS = 3_600_000;
/** Problems and sources an item lists at most (the counts are always complete). */
const MAX_ITEM_PROBLEMS = 100;
const MAX_ITEM_SOURCES = 1000;

interface PreviousRun {
	runId?: string;
	chunkCount?: number;
	/** Chunk count of the run before `runId`: the baseline of the drop check. */
	baselineChunkCount?: number;
}

interface SourceRead {
	value?: unknown;
	problems?: ManifestProblem[];
	/** Not a manifest problem: the manifest could not be fetched at all. */
	fetchError?: string;
}

export class RagFreshnessCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Freshness Check',
		name: 'ragFreshnessCheck',
		icon: { light: 'file:ragFreshnessCheck.svg', dark: 'file:ragFreshnessCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["manifestName"] + " manifest · " + ({ url: "from URL", json: "from input JSON", binary: "from a file" })[$parameter["source"]] }}',
		description:
			"Checks an ingestion pipeline's freshness manifest: shape, age, chunk counts and drift against the running backend",
		defaults: { name: 'RAG Freshness Check' },
		usableAsTool: {
			replacements: {
				description:
					'Check how fresh a RAG index is from its freshness manifest: answers the status (pass, warn, fail), the reasons (age, config drift, chunk counts) and when the index was built.',
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Fresh', 'Stale'],
		credentials: [
			{
				name: 'ragServiceApi',
				required: true,
				displayOptions: { show: { authentication: ['ragServiceApi'] } },
			},
			// Spelled out: n8n's lint rules and the verification scanner only read object literals here.
			{ name: 'ragOpsPushgatewayApi', required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: [
			{
				displayName: 'Manifest Name',
				name: 'manifestName',
				type: 'string',
				default: 'default',
				required: true,
				description: 'Stable name of the index or pipeline; the target label of pushed metrics and the key of remembered counts',
			},
			{
				displayName: 'Source',
				name: 'source',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'URL', value: 'url', description: 'Fetch the manifest file over HTTP' },
					{ name: 'Input JSON', value: 'json', description: "The incoming item's JSON data (or a field of it)" },
					{ name: 'Binary File', value: 'binary', description: 'A binary property, e.g. after Read File or an S3 download' },
				],
				default: 'url',
			},
			{
				displayName: 'Manifest URL',
				name: 'url',
				type: 'string',
				default: '',
				placeholder: 'https://ingest.example.com/manifests/latest.json',
				displayOptions: { show: { source: ['url'] } },
			},
			{
				displayName: 'Authentication',
				name: 'authentication',
				type: 'options',
				options: [
					{ name: 'None', value: 'none' },
					{ name: 'RagOps Service API', value: 'ragServiceApi' },
				],
				default: 'none',
				description: 'Credential for the manifest URL and the backend URL',
			},
			{
				displayName: 'JSON Field',
				name: 'jsonField',
				type: 'string',
				default: '',
				placeholder: 'manifest',
				displayOptions: { show: { source: ['json'] } },
				description: 'Path of the manifest inside the item (e.g. body.manifest); empty for the whole item',
			},
			{
				displayName: 'Input Binary Field',
				name: 'binaryProperty',
				type: 'string',
				default: 'data',
				displayOptions: { show: { source: ['binary'] } },
				hint: 'The name of the input binary field containing the manifest file',
			},
			{
				displayName: 'Warn After (Hours)',
				name: 'warnAfterHours',
				type: 'number',
				default: 25,
				typeOptions: { minValue: 0 },
				description: 'A manifest older than this is stale (warn)',
			},
			{
				displayName: 'Error After (Hours)',
				name: 'errorAfterHours',
				type: 'number',
				default: 49,
				typeOptions: { minValue: 0 },
				description: 'A manifest older than this fails',
			},
			{
				displayName: 'Chunk Drop Tolerance (%)',
				name: 'chunkDropTolerancePercent',
				type: 'number',
				default: 20,
				typeOptions: { minValue: 0, maxValue: 100 },
				description: 'Warn when the chunk count fell by more than this against the previous run',
			},
			{
				displayName: 'Clock Skew Tolerance (Seconds)',
				name: 'clockSkewSeconds',
				type: 'number',
				default: 300,
				typeOptions: { minValue: 0 },
				description: 'A generated-at time further in the future than this is a manifest error',
			},
			{
				displayName: 'Backend URL',
				name: 'backendUrl',
				type: 'string',
				default: '',
				placeholder: 'http://rag-api:8000/healthz',
				description: 'Optional endpoint of the running backend that reports its config hash and schema version',
			},
			{
				displayName: 'Backend Config Hash Path',
				name: 'backendConfigHashPath',
				type: 'string',
				default: 'config_hash',
				displayOptions: { hide: { backendUrl: [''] } },
				description: 'JSON path of the config hash in the backend answer (e.g. build.config_hash)',
			},
			{
				displayName: 'Backend Schema Version Path',
				name: 'backendSchemaVersionPath',
				type: 'string',
				default: 'schema_version',
				displayOptions: { hide: { backendUrl: [''] } },
				description: 'JSON path of the index schema version in the backend answer',
			},
			{
				displayName: 'Drift Severity',
				name: 'driftSeverity',
				type: 'options',
				options: [
					{ name: 'Fail', value: 'fail' },
					{ name: 'Warn', value: 'warn' },
				],
				default: 'fail',
				displayOptions: { hide: { backendUrl: [''] } },
				description: 'Status when the config hash or schema version differs from the backend',
			},
			{
				displayName: 'Follow Redirects to Other Origins',
				name: 'allowCrossOriginRedirects',
				type: 'boolean',
				default: false,
				description:
					'Whether a redirect of the manifest or backend URL may lead to another origin (host, port or scheme), for example a storage service. It is then followed without the credential; link-local and metadata addresses are never followed.',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeoutSeconds',
				type: 'number',
				default: 10,
				typeOptions: { minValue: 1 },
				description: 'Overall time limit of each HTTP request',
			},
			...pushMetricsProperties,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const fresh: INodeExecutionData[] = [];
		const stale: INodeExecutionData[] = [];
		const store = this.getWorkflowStaticData('node');
		const manual = this.getMode() === 'manual';

		for (let i = 0; i < items.length; i++) {
			try {
				const json = await checkOne(this, i, items[i], store, manual);
				(json.status === 'pass' ? fresh : stale).push({ json, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					stale.push({ json: { status: 'fail', error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				// Returns a NodeOperationError as is; wraps anything else keeping its message and description.
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			}
		}
		// As an AI tool, one compact verdict per manifest whichever output it took.
		return toolAnswer(this, [fresh, stale], ['Fresh', 'Stale'], (json) => {
			const manifest = (json.manifest ?? {}) as IDataObject;
			return { ...pick(json, ['manifestName', 'status', 'reasons', 'error']), ...pick(manifest, ['generatedAt', 'ageSeconds', 'documentCount', 'chunkCount']) };
		});
	}
}

function requester(ctx: IExecuteFunctions): HttpRequestFn {
	const auth = ctx.getNodeParameter('authentication', 0, 'none') as string;
	if (auth === 'ragServiceApi') {
		return async (options: IHttpRequestOptions) =>
			await ctx.helpers.httpRequestWithAuthentication.call(ctx, SERVICE_CREDENTIAL, options);
	}
	return async (options: IHttpRequestOptions) => await ctx.helpers.httpRequest(options);
}

async function fetchJson(ctx: IExecuteFunctions, i: number, url: string, timeoutMs: number): Promise<SourceRead> {
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

async function readManifest(ctx: IExecuteFunctions, i: number, item: INodeExecutionData): Promise<SourceRead> {
	const source = ctx.getNodeParameter('source', i) as string;
	if (source === 'url') {
		const url = (ctx.getNodeParameter('url', i, '') as string).trim();
		if (!/^https?:\/\//i.test(url)) {
			throw new NodeOperationError(ctx.getNode(), `Manifest URL "${displayUrl(url)}" is not an http(s) URL`, {
				itemIndex: i,
				description: 'Set "Manifest URL" to the address of latest.json, for example https://ingest.example.com/latest.json',
			});
		}
		const timeoutMs = (ctx.getNodeParameter('timeoutSeconds', i, 10) as number) * 1000;
		return await fetchJson(ctx, i, url, timeoutMs);
	}
	if (source === 'binary') {
		const prop = ctx.getNodeParameter('binaryProperty', i, 'data') as string;
		if (!item.binary?.[prop]) {
			throw new NodeOperationError(ctx.getNode(), `The input item has no binary field "${prop}"`, {
				itemIndex: i,
				description: `Connect a node that outputs the manifest file (Read File, S3…) and set "Input Binary Field" to its binary field name (found: ${Object.keys(item.binary ?? {}).join(', ') || 'none'})`,
			});
		}
		const buffer = await ctx.helpers.getBinaryDataBuffer(i, prop);
		const decoded = decodeManifestBytes(buffer);
		return decoded.ok ? { value: decoded.value } : { problems: decoded.problems };
	}
	const field = (ctx.getNodeParameter('jsonField', i, '') as string).trim();
	if (field === '') return { value: item.json };
	let lookup;
	try {
		lookup = getJsonPath(item.json, field);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `"${field}" is not a valid JSON path`, {
			itemIndex: i,
			description: `Use a dotted path such as body.manifest (${(error as Error).message})`,
		});
	}
	if (!lookup.found) return { problems: [{ path: '$', message: `the item has no field "${field}"` }] };
	// A string field holding the JSON text (e.g. an HTTP Request with a text response).
	if (typeof lookup.value === 'string') {
		const decoded = decodeManifestBytes(Buffer.from(lookup.value, 'utf8'));
		return decoded.ok ? { value: decoded.value } : { problems: decoded.problems };
	}
	return { value: lookup.value };
}

async function readBackend(ctx: IExecuteFunctions, i: number, url: string, timeoutMs: number): Promise<BackendReport> {
	const read = await fetchJson(ctx, i, url, timeoutMs);
	if (read.fetchError) return { reachable: false, error: read.fetchError };
	if (read.problems) return { reachable: false, error: `${displayUrl(url)}: ${formatProblems(read.problems)}` };
	const hashPath = ctx.getNodeParameter('backendConfigHashPath', i, 'config_hash') as string;
	const schemaPath = ctx.getNodeParameter('backendSchemaVersionPath', i, 'schema_version') as string;
	try {
		const hash = getJsonPath(read.value, hashPath);
		const schema = getJsonPath(read.value, schemaPath);
		return {
			reachable: true,
			configHash: hash.value,
			configHashFound: hash.found,
			schemaVersion: schema.value,
			schemaVersionFound: schema.found,
		};
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `Invalid backend JSON path: ${(error as Error).message}`, {
			itemIndex: i,
			description: 'Fix "Backend Config Hash Path" / "Backend Schema Version Path", for example build.config_hash',
		});
	}
}

function samples(status: HealthStatus, now: Date, manifest?: FreshnessManifest): Sample[] {
	const out: Sample[] = HEALTH_STATUSES.map((s) => ({
		metric: METRICS.freshnessStatus,
		labels: { status: s },
		value: s === status ? 1 : 0,
	}));
	out.push({ metric: METRICS.freshnessLastRun, value: now.getTime() / 1000 });
	if (manifest) {
		out.push(
			{ metric: METRICS.freshnessAge, value: Math.max(0, (now.getTime() - manifest.generatedAt.getTime()) / 1000) },
			{ metric: METRICS.freshnessGenerated, value: manifest.generatedAt.getTime() / 1000 },
			{ metric: METRICS.freshnessChunks, value: manifest.chunkCount },
			{ metric: METRICS.freshnessDocuments, value: manifest.documentCount },
		);
	}
	return out;
}

async function checkOne(
	ctx: IExecuteFunctions,
	i: number,
	item: INodeExecutionData,
	store: IDataObject,
	manual: boolean,
): Promise<IDataObject> {
	const now = new Date();
	const name = (ctx.getNodeParameter('manifestName', i, 'default') as string) || 'default';
	const warnAfterMs = (ctx.getNodeParameter('warnAfterHours', i, 25) as number) * HOUR_MS;
	const errorAfterMs = (ctx.getNodeParameter('errorAfterHours', i, 49) as number) * HOUR_MS;
	if (!(errorAfterMs >= warnAfterMs)) {
		throw new NodeOperationError(ctx.getNode(), 'Error After is shorter than Warn After', {
			itemIndex: i,
			description: 'Set "Error After (Hours)" to at least "Warn After (Hours)"',
		});
	}
	const clockSkewMs = (ctx.getNodeParameter('clockSkewSeconds', i, 300) as number) * 1000;
	const timeoutMs = (ctx.getNodeParameter('timeoutSeconds', i, 10) as number) * 1000;

	const read = await readManifest(ctx, i, item);
	let checks: FreshnessCheck[];
	let manifest: FreshnessManifest | undefined;
	let problems: ManifestProblem[] = [];
	if (read.fetchError) {
		// An unreachable manifest is as alarming as a stale one: fail, not unknown.
		checks = [{ name: 'manifest', status: 'fail', message: `could not fetch the manifest: ${read.fetchError}` }];
	} else {
		const validated = read.problems ? { ok: false as const, problems: read.problems } : validateManifest(read.value, { now, clockSkewMs });
		if (!validated.ok) {
			problems = validated.problems;
			checks = [{ name: 'manifest', status: 'fail', message: `invalid manifest: ${formatProblems(problems)}` }];
		} else {
			manifest = validated.manifest;
			if (store.runs === null || typeof store.runs !== 'object' || Array.isArray(store.runs)) store.runs = {};
			const runs = store.runs as IDataObject;
			// Own properties only: a manifest named `__proto__` must not read or replace Object.prototype (keyed.ts).
			const prev = ownValue<PreviousRun>(runs, name) ?? {};
			// Compare against the previous distinct run, so the warning stays while the dropped run is current.
			const baseline = prev.runId === manifest.runId ? prev.baselineChunkCount : prev.chunkCount;
			const backendUrl = (ctx.getNodeParameter('backendUrl', i, '') as string).trim();
			checks = judgeManifest(manifest, {
				now,
				warnAfterMs,
				errorAfterMs,
				chunkDropTolerance: (ctx.getNodeParameter('chunkDropTolerancePercent', i, 20) as number) / 100,
				previousChunkCount: baseline,
				backend: backendUrl ? await readBackend(ctx, i, backendUrl, timeoutMs) : undefined,
				driftStatus: ctx.getNodeParameter('driftSeverity', i, 'fail') as HealthStatus,
			});
			setOwn(runs, name, { runId: manifest.runId, chunkCount: manifest.chunkCount, baselineChunkCount: baseline });
			// Assigned at the top level so n8n's static-data proxy notices the change (see keyed.ts).
			store.runs = runs;
		}
	}

	const status = overall(checks);
	const reasons = checks.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.message}`);
	const json: IDataObject = {
		manifestName: name,
		status,
		reasons,
		checks: checks as unknown as IDataObject[],
		checkedAt: now.toISOString(),
	};
	if (problems.length > 0) {
		// Bounded: a manifest with 200 000 bad sources must not make a 200 000-entry item.
		json.problems = problems.slice(0, MAX_ITEM_PROBLEMS) as unknown as IDataObject[];
		if (problems.length > MAX_ITEM_PROBLEMS) json.problemsOmitted = problems.length - MAX_ITEM_PROBLEMS;
	}
	if (manifest) {
		const sourcesRecord = recordOf(manifest.sources, MAX_ITEM_SOURCES);
		json.manifest = {
			runId: manifest.runId,
			generatedAt: manifest.generatedAt.toISOString(),
			ageSeconds: Math.round((now.getTime() - manifest.generatedAt.getTime()) / 1000),
			schemaVersion: manifest.schemaVersion,
			configHash: manifest.configHash,
			documentCount: manifest.documentCount,
			chunkCount: manifest.chunkCount,
			sourceCount: manifest.sources.size,
			sources: sourcesRecord.record as unknown as IDataObject,
		};
		if (sourcesRecord.omitted > 0) (json.manifest as IDataObject).sourcesOmitted = sourcesRecord.omitted;
	}
	const leaky: string[] = [];
	if ((ctx.getNodeParameter('source', i) as string) === 'url' && redactUrl(ctx.getNodeParameter('url', i, '') as string).hadUserinfo) {
		leaky.push(userinfoWarning('The manifest URL'));
	}
	if (redactUrl(ctx.getNodeParameter('backendUrl', i, '') as string).hadUserinfo) leaky.push(userinfoWarning('The backend URL'));
	if (leaky.length) json.warnings = leaky;
	if (manual) {
		json.notice =
			'Manual run: n8n does not save static data in manual runs, so the chunk-drop check has no previous run to compare with. Publish the workflow for that.';
	}
	if (ctx.getNodeParameter('pushMetrics', i, false) as boolean) {
		const outcome = await pushMetrics(ctx, i, { job: PUSH_JOBS.freshness, target: name, samples: samples(status, now, manifest) });
		recordPush(json, outcome);
	}
	return json;
}
