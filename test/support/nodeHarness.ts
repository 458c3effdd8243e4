/**
 * In-process node harness: runs ONE node type inside n8n-core's real execution
 * engine (`WorkflowExecute` → `ExecuteContext` → the real `NodeExecuteFunctions`
 * helpers), the way n8n's own `NodeTestHarness` (packages/core/nodes-testing)
 * does, but without nock and without workflow JSON fixtures.
 *
 * What is real: parameter resolution (incl. expressions and `displayOptions`
 * checks for credentials), `this.helpers.httpRequest` /
 * `httpRequestWithAuthentication` (axios, real sockets: point them at
 * 127.0.0.1), credential authentication through the credential type's own
 * `authenticate` (function or generic `={{$credentials.x}}` form, resolved the
 * way n8n's CredentialsHelper resolves it), `continueOnFail()` handling,
 * `pairedItem` bookkeeping, workflow static data.
 *
 * What is stubbed: the database (credentials come from `opts.credentials`,
 * keyed by credential type name), lifecycle hooks other than the ones needed to
 * collect the run, and UI push.
 *
 * Static data semantics (as in a real n8n instance): in `trigger`/`webhook`
 * modes (an active workflow) the node's static data is saved after the run: the
 * object passed as `staticData` is updated in place (JSON round-tripped, as n8n
 * stores it in its database) and returned, so passing the same object to the
 * next `runNode` carries state. In `manual` mode n8n does not save static
 * data: the node sees a copy and the caller's object is left untouched.
 *
 * Usage:
 * ```ts
 * const run = await runNode({
 *   node: new RagHealthCheck(),
 *   parameters: { pushMetrics: true, ... },
 *   credentials: { ragOpsPushgatewayApi: { url: 'http://127.0.0.1:9091' } },
 *   staticData,            // same object on the next call → state carries
 * });
 * run.outputs[0]           // items of the first output
 * run.error                // the node's error when it threw and continueOnFail is off
 * ```
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { Container } from '@n8n/di';
import { Credentials, ErrorReporter, ExecutionLifecycleHooks, TriggerContext, WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	ICredentialsHelper,
	NodeConnectionTypes,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type ITriggerResponse,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRequestOptionsSimplified,
	type IRun,
	type IRunExecutionData,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

/** Package prefix under which n8n registers community node types. */
export const PACKAGE_NAME = 'n8n-nodes-ragops';
const START_TYPE = `${PACKAGE_NAME}.harnessStart`;
const START_NAME = 'Start';

export interface RunNodeOptions {
	/** An instance of the node class under test. */
	node: INodeType;
	/** The node's parameters, as they would be stored in the workflow JSON. */
	parameters?: INode['parameters'];
	/** Items fed into the node's main input (default: one empty item). */
	inputItems?: INodeExecutionData[];
	/** Decrypted credential data by credential TYPE name, e.g. `{ ragOpsPushgatewayApi: { url } }`. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/**
	 * Credential types to authenticate with. Default: every class exported by
	 * `credentials/*.credentials.ts` of this repo. Add test-only types here.
	 */
	credentialTypes?: ICredentialType[];
	/** Workflow static data; updated in place after a non-manual run (see module doc). */
	staticData?: IDataObject;
	/** Default `trigger` (active workflow). `manual` = a manual test run: static data is not saved. */
	mode?: WorkflowExecuteMode;
	/** The node's "On Error → Continue" setting. */
	continueOnFail?: boolean;
	/** Node name in the workflow (default: the description's `defaults.name`). */
	nodeName?: string;
	typeVersion?: number;
}

export interface RunNodeResult {
	/** The node's outputs: `outputs[i]` holds the items of output i (empty when nothing came out). */
	outputs: INodeExecutionData[][];
	/** The same object passed as `staticData` (or a fresh one), after the run. */
	staticData: IDataObject;
	/**
	 * The error the node ended with (the run failed), if any. Like n8n, the
	 * engine stores a plain-object copy of the thrown error: `message`,
	 * `description`, `httpCode` (NodeApiError), `context` ... survive, the
	 * prototype does not (no `instanceof`).
	 */
	error?: NodeRunError;
	/** The full run as n8n's engine returned it, for assertions the fields above miss. */
	run: IRun;
	/** The node's name in the workflow (key in `run.data.resultData.runData`). */
	nodeName: string;
}

/** A node error as stored in the run data (see {@link RunNodeResult.error}). */
export type NodeRunError = Error & {
	description?: string | null;
	httpCode?: string | null;
	context?: IDataObject;
	level?: string;
};

/**
 * n8n-core reports every node error to its ErrorReporter (Sentry in
 * production), whose fallback logs the full stack to the console. Expected
 * errors in tests would drown the output, so the harness swaps in a silent one.
 */
Container.set(ErrorReporter, {
	error: () => {},
	warn: () => {},
	info: () => {},
} as unknown as ErrorReporter);

/** Tiny trigger-like start node: passes `inputItems` to the node under test. */
class HarnessStart implements INodeType {
	description = {
		displayName: 'Harness Start',
		name: 'harnessStart',
		group: ['trigger'],
		version: 1,
		description: 'Feeds the harness input items into the node under test',
		defaults: { name: START_NAME },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	} as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

class HarnessNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType>) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.get(nodeType);
	}

	getByNameAndVersion(nodeType: string): INodeType {
		return this.get(nodeType);
	}

	getKnownTypes() {
		return {};
	}

	private get(nodeType: string): INodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`nodeHarness: unknown node type ${nodeType}`);
		return type;
	}
}

/** Every credential type exported by this repo's `credentials/*.credentials.ts`. */
export async function repoCredentialTypes(): Promise<ICredentialType[]> {
	const dir = join(__dirname, '..', '..', 'credentials');
	const types: ICredentialType[] = [];
	for (const file of readdirSync(dir).filter((f) => f.endsWith('.credentials.ts'))) {
		const mod = (await import(join(dir, file))) as Record<string, new () => ICredentialType>;
		for (const Ctor of Object.values(mod)) {
			if (typeof Ctor === 'function') types.push(new Ctor());
		}
	}
	return types;
}

/**
 * Credentials helper that serves decrypted data from memory and authenticates
 * requests with the credential type's `authenticate`, mirroring what n8n's CLI
 * CredentialsHelper does (function form called as is; generic form: each
 * `properties.<headers|qs|body|auth>.<key>` value resolved as an expression with
 * `$credentials`, then set on the request).
 */
class HarnessCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
		private readonly types: Map<string, ICredentialType>,
	) {
		super();
	}

	getParentTypes(name: string): string[] {
		const parents = this.types.get(name)?.extends ?? [];
		return parents.flatMap((p) => [p, ...this.getParentTypes(p)]);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incoming: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incoming as IHttpRequestOptions;
		const type = this.types.get(typeName);
		if (!type) throw new Error(`nodeHarness: credential type ${typeName} is not registered`);
		const auth = type.authenticate;
		if (typeof auth === 'function') return await auth(credentials, requestOptions);
		if (auth && auth.type === 'generic') {
			const resolve = (value: unknown): unknown => {
				if (typeof value !== 'string' || !value.startsWith('=')) return value;
				const resolved = workflow!.expression.getSimpleParameterValue(
					node!,
					value,
					'internal',
					{ $credentials: credentials } as never,
					undefined,
					'',
				);
				return resolved ? String(resolved) : '';
			};
			const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
			requestOptions.headers ??= {};
			for (const [outer, inner] of Object.entries(auth.properties)) {
				for (const [key, value] of Object.entries(inner as Record<string, unknown>)) {
					target[outer] ??= {};
					target[outer][String(resolve(key))] = resolve(value);
				}
			}
		}
		return requestOptions;
	}

	async preAuthentication(
		_helpers: IHttpRequestHelper,
		_credentials: ICredentialDataDecryptedObject,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails): Promise<Credentials> {
		return new Credentials(nodeCredentials, '', '');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.data[type];
		if (!data) throw new Error(`nodeHarness: no credentials of type ${type} were given to runNode()`);
		// A copy, like a fresh decryption, so a node cannot mutate the test's object.
		return structuredClone(data);
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.types.get(type)?.properties ?? [];
	}
}

function jsonCopy<T>(value: T): T {
	return JSON.parse(JSON.stringify(value)) as T;
}

let executionCounter = 0;

/** The part of n8n's additional data both harnesses need: credentials and the instance's URLs. */
function instanceUrls(credentialsHelper: HarnessCredentialsHelper) {
	return {
		credentialsHelper,
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		variables: {},
	};
}

/** Runs one node inside n8n-core's WorkflowExecute; see the module doc. */
export async function runNode(opts: RunNodeOptions): Promise<RunNodeResult> {
	const mode = opts.mode ?? 'trigger';
	const description = opts.node.description;
	const nodeName = opts.nodeName ?? description.defaults?.name ?? description.displayName;
	const nodeType = `${PACKAGE_NAME}.${description.name}`;
	const typeVersion =
		opts.typeVersion ??
		(Array.isArray(description.version) ? Math.max(...description.version) : description.version);

	const credentialTypes = new Map(
		[...(await repoCredentialTypes()), ...(opts.credentialTypes ?? [])].map((t) => [t.name, t] as const),
	);
	const credentialsHelper = new HarnessCredentialsHelper(opts.credentials ?? {}, credentialTypes);

	const underTest: INode = {
		id: 'node-under-test',
		name: nodeName,
		type: nodeType,
		typeVersion,
		position: [200, 0],
		parameters: opts.parameters ?? {},
		continueOnFail: opts.continueOnFail ?? false,
		credentials: Object.fromEntries(
			Object.keys(opts.credentials ?? {}).map((type) => [type, { id: `cred-${type}`, name: type }]),
		),
	};
	const start: INode = {
		id: 'harness-start',
		name: START_NAME,
		type: START_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const connections = {
		[START_NAME]: { main: [[{ node: nodeName, type: NodeConnectionTypes.Main, index: 0 }]] },
	};

	const callerStatic = opts.staticData ?? {};
	const workflow = new Workflow({
		id: 'harness-workflow',
		name: 'nodeHarness',
		nodes: [start, underTest],
		connections,
		active: mode !== 'manual',
		nodeTypes: new HarnessNodeTypes({ [START_TYPE]: new HarnessStart(), [nodeType]: opts.node }),
		// The engine wraps this in an observable proxy; give it a copy and save back after the run.
		staticData: jsonCopy(callerStatic),
		settings: { executionOrder: 'v1' },
	});

	const executionId = String(++executionCounter);
	const workflowData: IWorkflowBase = {
		id: workflow.id,
		name: 'nodeHarness',
		active: workflow.active,
		activeVersionId: null,
		isArchived: false,
		nodes: [start, underTest],
		connections,
		settings: { executionOrder: 'v1' },
		createdAt: new Date(),
		updatedAt: new Date(),
	};
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	let afterHookRun: IRun | undefined;
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => {
		afterHookRun = fullRunData;
	});

	const additionalData = {
		...instanceUrls(credentialsHelper),
		hooks,
		executionId,
		currentNodeParameters: undefined,
		executeWorkflow: async () => {
			throw new Error('nodeHarness: sub-workflows are not supported');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => {},
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
		startRunnerTask: async () => {
			throw new Error('nodeHarness: task runners are not supported');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node: start, data: { main: [opts.inputItems ?? [{ json: {} }]] }, source: null },
			],
		},
	});

	const engine = new WorkflowExecute(additionalData, mode, runExecutionData);
	const returned = await engine.processRunExecutionData(workflow);
	// The engine resolves with the run after the workflowExecuteAfter hook ran.
	const run = afterHookRun ?? returned;

	const taskData = run.data.resultData.runData[nodeName]?.[0];
	const outputs = (taskData?.data?.main ?? []).map((items) => items ?? []);
	const runError = run.data.resultData.error;
	const error = taskData?.error ?? runError;

	if (mode !== 'manual') {
		// What n8n persists for an active workflow: the JSON of workflow.staticData.
		const saved = jsonCopy(workflow.staticData);
		for (const key of Object.keys(callerStatic)) delete callerStatic[key];
		Object.assign(callerStatic, saved);
	}

	return { outputs, staticData: callerStatic, error: error as NodeRunError | undefined, run, nodeName };
}

// ---------------------------------------------------------------------------
// Trigger nodes

export interface StartTriggerOptions {
	node: INodeType;
	parameters?: INode['parameters'];
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Static data as n8n loaded it from its database at activation (default: none). */
	staticData?: IDataObject;
	/** `trigger` (published workflow, default) or `manual` (a test run from the editor). */
	mode?: WorkflowExecuteMode;
	nodeName?: string;
}

export interface TriggerHarness {
	/** The cron expression the node registered (undefined in manual mode). */
	cron?: string;
	/** Everything the node emitted, in order, with the deduplication key it gave. */
	emitted: Array<{ data: INodeExecutionData[][]; deduplicationKey?: string }>;
	/** Errors the node recorded as failed executions (`saveFailedExecution`) or reported (`emitError`). */
	failures: Error[];
	/** What n8n would have in its database now: static data as saved at activation and at every emit. */
	persisted: IDataObject;
	/** The node's own static data object (live). */
	nodeStaticData(): IDataObject;
	/** Fire the registered cron once and wait until the node finished that tick (see `sweepDone`). */
	tick(): Promise<void>;
	/** Fire the cron without waiting (to overlap ticks). */
	fire(): void;
	/** Manual mode: run the node's manualTriggerFunction and return what it emitted. */
	manual(): Promise<INodeExecutionData[][]>;
	close(): Promise<void>;
}

/**
 * Activates a trigger node the way n8n's ActiveWorkflowManager does — n8n-core's
 * real TriggerContext (real helpers, credentials, static data) — with the
 * scheduler replaced by `tick()`, and static data persisted exactly when n8n
 * persists it for triggers: after activation and on each emit
 * (TriggerExecutionContextFactory's emit calls saveStaticData).
 *
 * `tick()` waits for the sweep counter the node keeps in its static data
 * (`sweeps`, bumped at the end of a sweep right before its emit) to move, or
 * for a failure to be recorded.
 */
export async function startTrigger(opts: StartTriggerOptions): Promise<TriggerHarness> {
	const mode = opts.mode ?? 'trigger';
	const description = opts.node.description;
	const nodeName = opts.nodeName ?? description.defaults?.name ?? description.displayName;
	const nodeType = `${PACKAGE_NAME}.${description.name}`;
	const credentialTypes = new Map((await repoCredentialTypes()).map((t) => [t.name, t] as const));
	const credentialsHelper = new HarnessCredentialsHelper(opts.credentials ?? {}, credentialTypes);
	const underTest: INode = {
		id: 'trigger-under-test',
		name: nodeName,
		type: nodeType,
		typeVersion: Array.isArray(description.version) ? Math.max(...description.version) : description.version,
		position: [0, 0],
		parameters: opts.parameters ?? {},
		credentials: Object.fromEntries(Object.keys(opts.credentials ?? {}).map((type) => [type, { id: `cred-${type}`, name: type }])),
	};
	const workflow = new Workflow({
		id: 'harness-trigger-workflow',
		name: 'triggerHarness',
		nodes: [underTest],
		connections: {},
		active: mode !== 'manual',
		nodeTypes: new HarnessNodeTypes({ [nodeType]: opts.node }),
		staticData: jsonCopy(opts.staticData ?? {}),
		settings: { executionOrder: 'v1' },
	});
	const additionalData = instanceUrls(credentialsHelper) as unknown as IWorkflowExecuteAdditionalData;

	const persist = () => jsonCopy(workflow.staticData) as IDataObject;
	const harness: TriggerHarness = {
		emitted: [],
		failures: [],
		persisted: {},
		nodeStaticData: () => workflow.getStaticData('node', underTest),
		tick: async () => {},
		fire: () => {},
		manual: async () => [],
		close: async () => {},
	};
	let onTick: ((scheduled: Date) => void) | undefined;
	let manualEmit: ((data: INodeExecutionData[][]) => void) | undefined;
	const emit = (data: INodeExecutionData[][], _r?: unknown, _d?: unknown, deduplicationKey?: string) => {
		harness.persisted = persist();
		harness.emitted.push({ data, deduplicationKey });
		manualEmit?.(data);
	};
	const context = new TriggerContext(
		workflow,
		underTest,
		additionalData,
		mode,
		'activate',
		emit as never,
		(error: Error) => harness.failures.push(error),
		(error: Error) => harness.failures.push(error),
		{
			registerCron: (cron, tick) => {
				harness.cron = cron.expression;
				onTick = tick;
			},
		},
	);
	const response: ITriggerResponse | undefined = await opts.node.trigger!.call(context);
	harness.persisted = persist();

	const sweeps = () => Number(harness.nodeStaticData().sweeps ?? 0);
	harness.fire = () => {
		if (!onTick) throw new Error('startTrigger: the node registered no cron');
		onTick(new Date());
	};
	harness.tick = async () => {
		const before = sweeps();
		const failuresBefore = harness.failures.length;
		harness.fire();
		const deadline = Date.now() + 60_000;
		while (sweeps() === before && harness.failures.length === failuresBefore) {
			if (Date.now() > deadline) throw new Error('startTrigger: the sweep did not finish within 60 s');
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		// The node bumps the counter and emits in the same turn: nothing is left to wait for.
	};
	harness.manual = async () => {
		if (!response?.manualTriggerFunction) throw new Error('startTrigger: the node has no manualTriggerFunction');
		let got: INodeExecutionData[][] = [];
		manualEmit = (data) => {
			got = data;
		};
		await response.manualTriggerFunction();
		manualEmit = undefined;
		return got;
	};
	harness.close = async () => {
		await response?.closeFunction?.();
	};
	return harness;
}
