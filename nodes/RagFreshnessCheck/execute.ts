import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { getJsonPath } from '../shared/jsonPath';
import { pushMetrics, recordPush } from '../shared/pushgateway';
import type { HealthStatus } from '../shared/status';
import { pick, toolAnswer } from '../shared/toolAnswer';
import { displayUrl, redactUrl, userinfoWarning } from '../shared/urls';
import { judgeManifest, overall, type BackendReport, type FreshnessCheck } from './judge';
import { ownValue, recordOf, setOwn } from './keyed';
import { decodeManifestBytes, formatProblems, validateManifest, type FreshnessManifest, type ManifestProblem } from './manifest';
import { FRESHNESS_JOB, freshnessSamples } from './metrics';
import { fetchJson, type SourceRead } from './transport';

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

/**
 * What n8n runs for RAG Freshness Check: each item's manifest read, judged and
 * (with Push Metrics) pushed; a fresh one leaves by Fresh, anything else by Stale.
 */
export async function executeChecks(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const fresh: INodeExecutionData[] = [];
	const stale: INodeExecutionData[] = [];
	const store = ctx.getWorkflowStaticData('node');
	const manual = ctx.getMode() === 'manual';

	for (let i = 0; i < items.length; i++) {
		try {
			const json = await checkOne(ctx, i, items[i], store, manual);
			(json.status === 'pass' ? fresh : stale).push({ json, pairedItem: { item: i } });
		} catch (error) {
			if (ctx.continueOnFail()) {
				stale.push({ json: { status: 'fail', error: (error as Error).message }, pairedItem: { item: i } });
				continue;
			}
			// Returns a NodeOperationError as is; wraps anything else keeping its message and description.
			throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: i });
		}
	}
	// As an AI tool, one compact verdict per manifest whichever output it took.
	return toolAnswer(ctx, [fresh, stale], ['Fresh', 'Stale'], (json) => {
		const manifest = (json.manifest ?? {}) as IDataObject;
		return { ...pick(json, ['manifestName', 'status', 'reasons', 'error']), ...pick(manifest, ['generatedAt', 'ageSeconds', 'documentCount', 'chunkCount']) };
	});
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
		const outcome = await pushMetrics(ctx, i, { job: FRESHNESS_JOB, target: name, samples: freshnessSamples(status, now, { warnAfterMs, errorAfterMs }, manifest) });
		recordPush(json, outcome);
	}
	return json;
}
