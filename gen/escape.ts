/**
 * How a config value is written into each target language the generators
 * emit — one home, so every interpolation site escapes the same way.
 *
 * YAML and JSON need nothing here: the `yaml` library and JSON.stringify
 * quote whatever they serialize. What they carry does need it: a PromQL or
 * LogQL string literal inside a YAML value, Go template text inside an alert
 * annotation, compose's `$` interpolation inside docker-compose values.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` has a UTF-16 surrogate without its pair: it has no UTF-8 form, so no target can carry it. */
export function hasLoneSurrogate(text: string): boolean {
	return LONE_SURROGATE.test(text);
}

/**
 * Characters no generated file should carry raw: controls (YAML readers refuse
 * most of them), U+0085 / U+2028 / U+2029 (line breaks to Go's YAML 1.1 parser,
 * which then misreads the rest of the line, e.g. as a directive), U+FEFF and
 * the non-characters U+FFFE / U+FFFF.
 */
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

/** Why `text` cannot be placed in a generated file as is, or undefined when it can. */
export function unsafeTextReason(text: string): string | undefined {
	if (hasLoneSurrogate(text)) return 'contains a lone UTF-16 surrogate: it has no UTF-8 form, so no generated file can carry it';
	const m = UNSAFE_CHARACTER.exec(text);
	if (!m) return undefined;
	const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
	return `contains the control or line-separator character ${code}, which YAML readers refuse or read as a line break; remove it (in a regex write it as \\x{${m[0].charCodeAt(0).toString(16)}})`;
}

/**
 * A PromQL/LogQL double-quoted string literal. Both languages unquote with Go's
 * rules (strconv.Unquote); JSON's escapes (\" \\ \n \t \uXXXX …) are a subset
 * of Go's, and JSON leaves other Unicode as is. A lone surrogate would become
 * `\uD800`, which Go refuses, so the schema refuses such values first.
 */
export function promqlString(value: string): string {
	if (hasLoneSurrogate(value)) throw new Error(`cannot quote ${JSON.stringify(value)}: lone surrogate`);
	return JSON.stringify(value);
}

/** LogQL string literals follow the same Go unquoting as PromQL's. */
export const logqlString = promqlString;

/**
 * Literal text inside a Go template (Prometheus and Loki expand every alert
 * annotation, runbook_url included, with text/template). Only `{{` starts an
 * action, so every `{` is written as the action `{{ "{" }}`: then no `{{` can
 * form inside the value or where it meets the template text around it, and
 * escaping two parts equals escaping their concatenation.
 */
export function goTemplateText(value: string): string {
	return value.replace(/\{/g, '{{ "{" }}');
}

/** docker compose interpolates `$VAR` / `${VAR}` in every value; `$$` is a literal `$`. */
export function composeText(value: string): string {
	return value.replace(/\$/g, '$$$$');
}
