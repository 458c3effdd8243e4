/**
 * The LogQL the Loki rules and the logs dashboard share: one definition of
 * "an error log line" and of the stream selector per service, so an alert and
 * the panel that explains it always count the same lines.
 *
 * Streams carry the labels the Alloy pipeline sets (gen/loki/alloy.ts):
 * `service` (the compose service name, which must equal the service's name in
 * ragops.config.yaml) and `container`.
 */
import { logqlString } from '../escape';

/** Case-insensitive line filter for error-level lines in plain-text and JSON logs. */
export const ERROR_LINE_FILTER = '|~ `(?i)\\b(error|fatal|critical|panic|exception|traceback)\\b`';

export function serviceSelector(service: string): string {
	return `{service=${logqlString(service)}}`;
}

/** Error lines per second of one service over `range` (a LogQL duration or a Grafana variable). */
export function errorRate(selector: string, range: string, by = 'service'): string {
	return `sum by (${by}) (rate(${selector} ${ERROR_LINE_FILTER} [${range}]))`;
}
