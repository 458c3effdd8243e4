/**
 * The hostile-input suite of the nodes (issue 11): hostile HTTP servers on
 * 127.0.0.1, hostile manifests, webhook deliveries and names, fed to the real
 * code (n8n's HTTP client, n8n-core's execution engine through the node
 * harness, a real Pushgateway). Every case also asserts what must not
 * happen: no crash, no hang (each probe has a deadline), no secret in any
 * output. The number of distinct tries is printed at the end.
 */
import { freshnessCases } from './freshness.cases';
import { healthCases } from './health.cases';
import { ingestionCases } from './ingestion.cases';
import { propertyCases } from './properties.cases';
import { redirectCases } from './redirects.cases';
import { webhookCases } from './webhook.cases';
import { Tally } from './tally';

const tally = new Tally('nodes');

afterAll(() => {
	process.stdout.write(`\nhostile-input suite (${tally.summary()})\n`);
});

describe('redirects', () => redirectCases(tally));
describe('health check node', () => healthCases(tally));
describe('freshness check node', () => freshnessCases(tally));
describe('ingest webhook trigger', () => webhookCases(tally));
describe('properties (fast-check)', () => propertyCases(tally));
describe('ingestion node', () => ingestionCases(tally));
