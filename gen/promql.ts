/**
 * PromQL helpers built on the PromQL grammar Prometheus' own UI uses
 * (@prometheus-io/lezer-promql), so "parses" here means what Prometheus'
 * editor accepts, not what a regex guesses.
 */
import { parser } from '@prometheus-io/lezer-promql';

export interface PromqlSyntaxError {
	readonly from: number;
	readonly to: number;
	readonly text: string;
}

/** Positions where the grammar could not parse the expression (empty when it parses). */
export function promqlSyntaxErrors(expr: string): PromqlSyntaxError[] {
	const errors: PromqlSyntaxError[] = [];
	const cursor = parser.parse(expr).cursor();
	do {
		if (cursor.type.isError) errors.push({ from: cursor.from, to: cursor.to, text: expr.slice(cursor.from, cursor.to) });
	} while (cursor.next());
	return errors;
}

/**
 * Metric names an expression selects, sorted and unique. Covers plain
 * selectors (`foo{…}`), range/subquery selectors and `{__name__="foo"}`;
 * a `__name__` regex matcher cannot be resolved and is reported as-is so the
 * catalog check fails loudly instead of silently accepting it.
 */
export function metricsUsedBy(expr: string): string[] {
	const names = new Set<string>();
	const cursor = parser.parse(expr).cursor();
	do {
		if (cursor.name !== 'VectorSelector') continue;
		const selector = cursor.node;
		const identifier = selector.getChild('Identifier');
		if (identifier) names.add(expr.slice(identifier.from, identifier.to));
		const matchers = selector.getChild('LabelMatchers');
		if (!matchers) continue;
		for (const matcher of matchers.getChildren('UnquotedLabelMatcher')) {
			const label = matcher.getChild('LabelName');
			const value = matcher.getChild('StringLiteral');
			const op = matcher.getChild('MatchOp');
			if (!label || !value || expr.slice(label.from, label.to) !== '__name__') continue;
			const literal = expr.slice(value.from + 1, value.to - 1);
			names.add(op && expr.slice(op.from, op.to) === '=' ? literal : `{__name__${expr.slice(op!.from, op!.to)}"${literal}"}`);
		}
	} while (cursor.next());
	return [...names].sort();
}
