import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { PRESETS } from './presets';

/** The parameters of the RAG Health Check node (its UI). */

const presetOptions: INodePropertyOptions[] = Object.values(PRESETS)
	.map((p) => ({ name: p.displayName, value: p.name, description: p.description }))
	.sort((a, b) => a.name.localeCompare(b.name));

// The fields of a target, a condition and a maintenance window in the order a
// user fills them in (what to check, how to read it, what to call it, then the
// rarely changed ones), each shown only where it applies. They are named
// arrays rather than inline literals: the legacy lint rule
// node-param-fixed-collection-type-unsorted-items (in the verification
// scanner's ruleset) would otherwise force alphabetical order, which put
// "Critical" first and "URL" last, off screen.

const targetFields: INodeProperties[] = [
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		placeholder: 'http://rag-api:8000',
		description: "Base URL (the preset's path is added) or a full URL with a path (used as is)",
	},
	{
		displayName: 'Preset',
		name: 'preset',
		type: 'options',
		options: presetOptions,
		default: 'generic',
		description: 'What kind of service answers, and so how to read its answer',
	},
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		placeholder: 'rag-api',
		description: 'Stable name of the target: keys its state and its metrics. Empty uses the URL.',
	},
	{
		displayName: 'Critical',
		name: 'critical',
		type: 'boolean',
		default: true,
		description: 'Whether a failure of this target makes the overall status fail (otherwise it only degrades it to warn)',
	},
	{
		displayName: 'Qdrant Collection',
		name: 'collection',
		type: 'string',
		default: '',
		placeholder: 'docs',
		description: 'Also check this collection (green passes, yellow warns, red fails)',
		displayOptions: { show: { preset: ['qdrant'] } },
	},
	{
		displayName: 'Depends On',
		name: 'dependsOn',
		type: 'string',
		default: '',
		placeholder: 'qdrant',
		description: 'Comma-separated target names: while one of them is down, this target raises no alert of its own (it is marked suppressed)',
	},
	{
		displayName: 'Timeout Override (Ms)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: "Time limit for this target's answer",
		hint: '0 uses the node\'s Options → Timeout (5000 ms unless set)',
	},
	{
		displayName: 'Headers (JSON)',
		name: 'headers',
		type: 'json',
		default: '{}',
		description: 'Extra request headers as a JSON object, for example {"X-Tenant": "docs"}',
	},
	{
		displayName: 'Follow Redirects to Other Origins',
		name: 'allowCrossOriginRedirects',
		type: 'boolean',
		default: false,
		description: 'Whether a redirect may lead to another origin (host, port or scheme). It is then followed without the credential and without the headers above; link-local and metadata addresses are never followed.',
	},
];

const BODY_TYPES = ['bodyContains', 'bodyNotContains', 'bodyRegex'];

const conditionFields: INodeProperties[] = [
	{
		displayName: 'Type',
		name: 'type',
		type: 'options',
		options: [
			{ name: 'Body Contains', value: 'bodyContains' },
			{ name: 'Body Does Not Contain', value: 'bodyNotContains' },
			{ name: 'Body Matches Regex', value: 'bodyRegex' },
			{ name: 'JSON Path', value: 'jsonPath', description: 'Compare a field of the JSON answer' },
			{ name: 'Response Time', value: 'responseTime', description: 'Warn or fail above a number of milliseconds' },
			{ name: 'Status Code', value: 'statusCode', description: 'Expected HTTP status codes' },
			{ name: 'Timestamp Age', value: 'timestampAge', description: 'Age (now minus the value) of a date field' },
		],
		default: 'statusCode',
	},
	{
		displayName: 'Status Codes',
		name: 'codes',
		type: 'string',
		default: '200',
		placeholder: '200,204 or 200-299 or 2xx',
		displayOptions: { show: { type: ['statusCode'] } },
	},
	{
		displayName: 'JSON Path',
		name: 'path',
		type: 'string',
		default: '',
		placeholder: '$.result.status',
		displayOptions: { show: { type: ['jsonPath', 'timestampAge'] } },
	},
	{
		displayName: 'Operator',
		name: 'operator',
		type: 'options',
		options: [
			{ name: '!=', value: 'ne' },
			{ name: '<', value: 'lt' },
			{ name: '<=', value: 'lte' },
			{ name: '==', value: 'eq' },
			{ name: '>', value: 'gt' },
			{ name: '>=', value: 'gte' },
			{ name: 'Does Not Exist', value: 'notExists' },
			{ name: 'Exists', value: 'exists' },
			{ name: 'Matches Regex', value: 'regex' },
		],
		default: 'eq',
		displayOptions: { show: { type: ['jsonPath'] } },
	},
	{
		displayName: 'Value',
		name: 'value',
		type: 'string',
		default: '',
		description: 'Expected value, text or regular expression',
		displayOptions: { show: { type: ['jsonPath', ...BODY_TYPES] }, hide: { operator: ['exists', 'notExists'] } },
	},
	{
		displayName: 'Compare Length',
		name: 'ofLength',
		type: 'boolean',
		default: false,
		description: 'Whether to compare the length of the value (array items, string characters, object keys) instead of the value',
		displayOptions: { show: { type: ['jsonPath'] }, hide: { operator: ['exists', 'notExists', 'regex'] } },
	},
	{
		displayName: 'Warn Above (Ms)',
		name: 'warnMs',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 1000,
		displayOptions: { show: { type: ['responseTime'] } },
	},
	{
		displayName: 'Fail Above (Ms)',
		name: 'failMs',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 3000,
		displayOptions: { show: { type: ['responseTime'] } },
	},
	{
		displayName: 'Warn Above (Seconds)',
		name: 'warnSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 3600,
		displayOptions: { show: { type: ['timestampAge'] } },
	},
	{
		displayName: 'Fail Above (Seconds)',
		name: 'failSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 86400,
		displayOptions: { show: { type: ['timestampAge'] } },
	},
	{
		displayName: 'When Not Met',
		name: 'severity',
		type: 'options',
		options: [
			{ name: 'Fail', value: 'fail' },
			{ name: 'Warn', value: 'warn' },
		],
		default: 'fail',
		displayOptions: { show: { type: ['statusCode', 'jsonPath', ...BODY_TYPES] } },
	},
	{
		displayName: 'Apply To Targets',
		name: 'targets',
		type: 'string',
		default: '',
		placeholder: 'rag-api, search',
		description: 'Comma-separated target names; empty applies the condition to every target',
	},
];

const windowFields: INodeProperties[] = [
	{
		displayName: 'Start',
		name: 'start',
		type: 'string',
		default: '02:00',
		placeholder: '02:00 or 2026-12-24T08:00',
		description: 'HH:MM for a recurring window, or YYYY-MM-DDTHH:MM for a one-off one',
	},
	{
		displayName: 'End',
		name: 'end',
		type: 'string',
		default: '04:00',
		placeholder: '04:00 or 2026-12-24T12:00',
		description: 'Exclusive end, same form as the start; an end before the start crosses midnight',
	},
	{
		displayName: 'Days',
		name: 'days',
		type: 'multiOptions',
		options: [
			{ name: 'Friday', value: '5' },
			{ name: 'Monday', value: '1' },
			{ name: 'Saturday', value: '6' },
			{ name: 'Sunday', value: '0' },
			{ name: 'Thursday', value: '4' },
			{ name: 'Tuesday', value: '2' },
			{ name: 'Wednesday', value: '3' },
		],
		default: [],
		description: 'Days a recurring window starts on; none selected means every day',
	},
	{
		displayName: 'Time Zone',
		name: 'timezone',
		type: 'string',
		default: 'UTC',
		placeholder: 'Europe/Berlin',
		description: 'IANA time zone the start and end are written in',
	},
	{
		displayName: 'Targets',
		name: 'targets',
		type: 'string',
		default: '',
		description: 'Comma-separated target names; empty means all targets',
	},
];

export const description: INodeProperties[] = [
	{
		displayName:
			'State (a target is DOWN after N failed checks in a row, UP after M passing ones) is kept only while the workflow is active. A manual test run shows the instantaneous state.',
		name: 'stateNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Targets Source',
		name: 'targetSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Defined Below', value: 'list', description: 'A fixed list of targets' },
			{ name: 'From Input Items', value: 'items', description: 'One target per input item, fields set by expressions' },
		],
		default: 'list',
	},
	{
		displayName: 'Targets',
		name: 'targets',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Target',
		default: {},
		displayOptions: { show: { targetSource: ['list'] } },
		options: [{ displayName: 'Target', name: 'target', values: targetFields }],
	},
	{
		displayName: 'URL',
		name: 'targetUrl',
		type: 'string',
		default: '={{ $json.url }}',
		description: "Base URL (the preset's path is added) or a full URL with a path",
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Preset',
		name: 'targetPreset',
		type: 'options',
		options: presetOptions,
		default: 'generic',
		description: 'What kind of service answers. Use an expression to set it per item.',
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Name',
		name: 'targetName',
		type: 'string',
		default: '={{ $json.name }}',
		description: 'Stable name of the target: keys its state and its metrics',
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Critical',
		name: 'targetCritical',
		type: 'boolean',
		default: true,
		description: 'Whether a failure of this target makes the overall status fail (otherwise it only degrades it to warn)',
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Depends On',
		name: 'targetDependsOn',
		type: 'string',
		default: '',
		description: 'Comma-separated target names: while one of them is down, this target raises no alert of its own (it is marked suppressed)',
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Qdrant Collection',
		name: 'targetCollection',
		type: 'string',
		default: '',
		description: 'Qdrant preset only: also check this collection',
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Timeout Override (Ms)',
		name: 'targetTimeout',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: "Time limit for this target's answer",
		hint: "0 uses the node's Options → Timeout (5000 ms unless set)",
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Headers (JSON)',
		name: 'targetHeaders',
		type: 'json',
		default: '{}',
		description: 'Extra request headers as a JSON object',
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Follow Redirects to Other Origins',
		name: 'targetAllowCrossOriginRedirects',
		type: 'boolean',
		default: false,
		description: 'Whether a redirect may lead to another origin (host, port or scheme). It is then followed without the credential and without the headers above; link-local and metadata addresses are never followed.',
		displayOptions: { show: { targetSource: ['items'] } },
	},
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'None', value: 'none' },
			{ name: 'RagOps Service API', value: 'ragServiceApi', description: 'Bearer token, API key header or basic auth' },
		],
		default: 'none',
	},
	{
		displayName: 'Conditions',
		name: 'conditions',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Condition',
		default: {},
		description: "Extra checks on each answer, beside the preset's own",
		options: [{ displayName: 'Condition', name: 'condition', values: conditionFields }],
	},
	{
		displayName: 'Maintenance Windows',
		name: 'maintenance',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Maintenance Window',
		default: {},
		description: 'Times when alerts are held back (checks still run); an outage still on when the window ends is announced then',
		options: [{ displayName: 'Window', name: 'window', values: windowFields }],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 10,
				description: 'Targets checked at the same time; 0 means no limit',
			},
			{
				displayName: 'Expected Status Codes',
				name: 'expectedStatusCodes',
				type: 'string',
				default: '',
				placeholder: '200-299',
				description: "Status codes that count as an answer, for every target; empty uses each preset's",
			},
			{
				displayName: 'Failures Before Down',
				name: 'failuresToDown',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 3,
				description: 'Consecutive failed checks before a target is DOWN and a "down" alert goes out',
			},
			{
				displayName: 'Ignore SSL Issues (Insecure)',
				name: 'ignoreSsl',
				type: 'boolean',
				default: false,
				description: 'Whether to accept invalid TLS certificates',
			},
			{
				displayName: 'Max Body Size (KB)',
				name: 'maxBodySize',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 256,
				description: 'Bytes of each answer read; the rest is not downloaded',
			},
			{
				displayName: 'Reminder Every (Minutes)',
				name: 'reminderMinutes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Repeat the alert while a target stays down; 0 means never',
			},
			{
				displayName: 'Retries',
				name: 'retries',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 1,
				description: 'Extra attempts after connection errors, timeouts, 429, 502, 503 and 504, with full-jitter exponential backoff',
			},
			{
				displayName: 'Retry Base Delay (Ms)',
				name: 'retryDelay',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 250,
				description: 'Cap of the first backoff wait; doubles with each retry',
			},
			{
				displayName: 'Successes Before Up',
				name: 'successesToUp',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 2,
				description: 'Consecutive passing checks before a DOWN target is UP again and a "recovered" alert goes out',
			},
			{
				displayName: 'Timeout (Ms)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 100 },
				default: 5000,
				description: "Overall time limit for each answer (connect, headers and body); n8n's own default of 300 s is far too long for a health check",
			},
		],
	},
];

// ---------------------------------------------------------------------------
// The two nodes built on these parameters. One list above, two views of it, so
// a field added or reordered there shows the same in both nodes.

/** Fields that only mean something with memory between checks (RAG Health Watch Trigger). */
const HYSTERESIS_OPTIONS = new Set(['failuresToDown', 'successesToUp', 'reminderMinutes']);
/** Fields that only mean something with input items (RAG Health Check). */
const ITEM_FIELDS = new Set(['targetName', 'targetUrl', 'targetPreset', 'targetCritical', 'targetDependsOn', 'targetCollection', 'targetTimeout', 'targetHeaders']);

function withoutOptions(property: INodeProperties, drop: Set<string>): INodeProperties {
	if (property.name !== 'options' || !Array.isArray(property.options)) return property;
	return { ...property, options: (property.options as INodeProperties[]).filter((o) => !drop.has(o.name)) };
}

/** RAG Health Check: one sweep, no memory, targets from the list or from input items. */
export const checkDescription: INodeProperties[] = description
	.filter((p) => p.name !== 'stateNotice')
	.map((p) => withoutOptions(p, HYSTERESIS_OPTIONS));

/** RAG Health Watch Trigger: a trigger has no input items, so targets come from the list only. */
export const watchDescription: INodeProperties[] = description
	.filter((p) => p.name !== 'stateNotice' && p.name !== 'targetSource' && !ITEM_FIELDS.has(p.name))
	.map((p) => {
		if (p.name !== 'targets') return p;
		const { displayOptions: _listOnly, ...rest } = p;
		return rest;
	});
