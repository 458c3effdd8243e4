/**
 * RE2 syntax check for regexes the config hands to Prometheus (label
 * matchers `=~`), which compiles them with Go's regexp/syntax (Perl flags).
 *
 * A JavaScript `new RegExp()` is the wrong judge: it accepts lookarounds,
 * backreferences, `\Z`, `\e`, possessive-looking `a*+` and more that Go
 * refuses, so such a regex would only fail when Prometheus loads the rules.
 * This checker follows Go's documented syntax
 * (https://pkg.go.dev/regexp/syntax) and errs on the strict side: every
 * construct it accepts compiles in Go (the property test compares it with the
 * real promtool); a few exotic ones Go would take (octal escapes, newer
 * Unicode scripts, `(?<name>…)` which only Go ≥ 1.22 reads) are refused with a
 * suggestion.
 */

import { hasLoneSurrogate } from '../escape';

/** Go's limit on a counted repetition `{n,m}` (and on nested ones multiplied). */
const MAX_REPEAT = 1000;
/** Go's limit on nesting (maxHeight); also keeps this recursive parser's stack bounded. */
const MAX_DEPTH = 1000;

const ASCII_CLASSES = new Set([
	'alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit',
]);

/** Unicode general categories (Go's unicode.Categories) and long-standing scripts every Go release knows. */
const UNICODE_CLASSES = new Set([
	'Any',
	...'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
	...[
		'Arabic', 'Armenian', 'Bengali', 'Bopomofo', 'Braille', 'Cherokee', 'Common', 'Cyrillic', 'Devanagari', 'Ethiopic',
		'Georgian', 'Greek', 'Gujarati', 'Gurmukhi', 'Han', 'Hangul', 'Hebrew', 'Hiragana', 'Inherited', 'Kannada', 'Katakana',
		'Khmer', 'Lao', 'Latin', 'Malayalam', 'Mongolian', 'Myanmar', 'Ogham', 'Oriya', 'Runic', 'Sinhala', 'Syriac', 'Tamil',
		'Telugu', 'Thaana', 'Thai', 'Tibetan', 'Yi',
	],
]);

const SIMPLE_ESCAPES = new Set(['a', 'f', 't', 'n', 'r', 'v']);
const PERL_CLASSES = new Set(['d', 'D', 's', 'S', 'w', 'W']);
const ASSERTION_ESCAPES = new Set(['b', 'B', 'A', 'z']);

class Re2Error extends Error {}

const isAsciiPunct = (c: string) => c.length === 1 && c.charCodeAt(0) < 0x80 && !/[0-9A-Za-z]/.test(c);
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

class Parser {
	private i = 0;
	private readonly names = new Set<string>();

	constructor(private readonly chars: string[]) {}

	private peek(offset = 0): string | undefined {
		return this.chars[this.i + offset];
	}

	private fail(message: string): never {
		throw new Re2Error(`${message} (at character ${this.i + 1})`);
	}

	/** alternation := concat ('|' concat)*; returns the largest repetition factor inside. */
	parseAlternation(depth: number): number {
		let factor = this.parseConcat(depth);
		while (this.peek() === '|') {
			this.i++;
			factor = Math.max(factor, this.parseConcat(depth));
		}
		return factor;
	}

	private parseConcat(depth: number): number {
		let factor = 1;
		// Whether the previous item can take a repetition operator, and whether it already is one.
		let hasAtom = false;
		let lastWasRepeat = false;
		let atomFactor = 1;
		for (;;) {
			const c = this.peek();
			if (c === undefined || c === '|') break;
			if (c === ')') {
				if (depth === 0) this.fail('unmatched )');
				break;
			}
			const repeat = this.tryRepeat();
			if (repeat !== undefined) {
				if (lastWasRepeat) this.fail('a repetition operator cannot follow another (a** or a*+ is invalid in Go)');
				if (!hasAtom) this.fail('repetition operator without anything to repeat');
				atomFactor *= repeat;
				if (atomFactor > MAX_REPEAT) this.fail(`nested repetition exceeds ${MAX_REPEAT}`);
				factor = Math.max(factor, atomFactor);
				lastWasRepeat = true;
				continue;
			}
			lastWasRepeat = false;
			atomFactor = this.parseAtom(depth);
			factor = Math.max(factor, atomFactor);
			// `(?i)` and the like set flags; they are not atoms a repetition could apply to.
			hasAtom = atomFactor !== 0;
			if (atomFactor === 0) atomFactor = 1;
		}
		return factor;
	}

	/** Parses `*`, `+`, `?` or `{n[,[m]]}` (each optionally followed by `?`); returns its max count factor. */
	private tryRepeat(): number | undefined {
		const c = this.peek();
		let factor: number;
		if (c === '*' || c === '+' || c === '?') {
			this.i++;
			factor = 1;
		} else if (c === '{') {
			const rest = this.chars.slice(this.i).join('');
			const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
			// Not a valid counted repetition: Go reads the brace as a literal.
			if (!m) return undefined;
			const min = Number(m[1]);
			const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
			if (min > MAX_REPEAT || (max !== undefined && (max > MAX_REPEAT || max < min))) {
				this.fail(`invalid repeat count ${m[0]} (at most ${MAX_REPEAT}, min ≤ max)`);
			}
			this.i += [...m[0]].length;
			factor = Math.max(1, max ?? min);
		} else return undefined;
		if (this.peek() === '?') this.i++;
		return factor;
	}

	/** One atom; returns its repetition factor (1), or 0 for a flag group that matches nothing. */
	private parseAtom(depth: number): number {
		const c = this.peek()!;
		if (c === '(') return this.parseGroup(depth);
		if (c === '[') {
			this.parseClass();
			return 1;
		}
		if (c === '\\') {
			this.parseEscape(false);
			return 1;
		}
		this.i++;
		return 1;
	}

	private parseGroup(depth: number): number {
		this.i++; // (
		if (this.peek() === '?') {
			this.i++;
			const next = this.peek();
			if (next === '=' || next === '!') this.fail('lookahead (?= / (?! is not supported by RE2');
			if (next === '<' && (this.peek(1) === '=' || this.peek(1) === '!')) this.fail('lookbehind (?<= / (?<! is not supported by RE2');
			if (next === '<') this.fail('named group (?<name>…) needs Go ≥ 1.22; write (?P<name>…)');
			if (next === '>') this.fail('atomic group (?>…) is not supported by RE2');
			if (next === '#') this.fail('comment group (?#…) is not supported by RE2');
			if (next === 'P') {
				this.i++;
				if (this.peek() === '=' || this.peek() === '>') this.fail('backreference (?P=name) is not supported by RE2');
				if (this.peek() !== '<') this.fail('invalid named group; write (?P<name>…)');
				this.i++;
				let name = '';
				while (this.peek() !== undefined && this.peek() !== '>') name += this.chars[this.i++];
				if (this.peek() !== '>') this.fail('unterminated group name');
				this.i++;
				if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid group name "${name}"`);
				if (this.names.has(name)) this.fail(`duplicate group name "${name}"`);
				this.names.add(name);
				return this.finishGroup(depth);
			}
			// (?:re), (?flags) or (?flags:re), flags from imsU, some cleared after one '-' (as Go: `(?)` is empty flags).
			let negated = false;
			let flagsAfterMinus = false;
			for (;;) {
				const f = this.peek();
				if (f === undefined) this.fail('unterminated flag group');
				if (f === 'i' || f === 'm' || f === 's' || f === 'U') {
					if (negated) flagsAfterMinus = true;
					this.i++;
					continue;
				}
				if (f === '-') {
					if (negated) this.fail('invalid flag group: two "-"');
					negated = true;
					this.i++;
					continue;
				}
				if (f === ':' || f === ')') {
					if (negated && !flagsAfterMinus) this.fail('invalid flag group: "-" with no flag after it');
					this.i++;
					if (f === ')') return 0;
					return this.finishGroup(depth);
				}
				this.fail(`unsupported group syntax (?${f}`);
			}
		}
		return this.finishGroup(depth);
	}

	private finishGroup(depth: number): number {
		if (depth + 1 > MAX_DEPTH) this.fail(`groups nest deeper than ${MAX_DEPTH}`);
		const factor = this.parseAlternation(depth + 1);
		if (this.peek() !== ')') this.fail('missing closing )');
		this.i++;
		return factor;
	}

	/** An escape outside (`inClass` false) or inside a character class; returns the code point it stands for, if one. */
	private parseEscape(inClass: boolean): number | undefined {
		this.i++; // backslash
		const c = this.peek();
		if (c === undefined) this.fail('trailing backslash');
		this.i++;
		if (c === 'Q' && !inClass) {
			// \Q…\E: literal text up to \E. Go lets it run to the end, but Prometheus compiles
			// ^(?:<regex>)$, where an open \Q would swallow the closing parenthesis.
			while (this.peek() !== undefined && !(this.peek() === '\\' && this.peek(1) === 'E')) this.i++;
			if (this.peek() === undefined) this.fail('\\Q without \\E (Prometheus wraps the regex in ^(?:…)$, which the quote would swallow)');
			this.i += 2;
			return undefined;
		}
		if (!inClass && ASSERTION_ESCAPES.has(c)) return undefined;
		if (PERL_CLASSES.has(c)) return undefined;
		if (c === 'p' || c === 'P') {
			let name: string;
			if (this.peek() === '{') {
				this.i++;
				name = '';
				while (this.peek() !== undefined && this.peek() !== '}') name += this.chars[this.i++];
				if (this.peek() !== '}') this.fail('unterminated \\p{…}');
				this.i++;
				if (name.startsWith('^')) name = name.slice(1);
			} else {
				name = this.peek() ?? '';
				this.i++;
			}
			if (!UNICODE_CLASSES.has(name)) this.fail(`unknown or unsupported Unicode class \\${c}{${name}}`);
			return undefined;
		}
		if (SIMPLE_ESCAPES.has(c)) return { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 }[c as 'a'];
		if (c === 'x') {
			if (this.peek() === '{') {
				this.i++;
				let hex = '';
				while (isHex(this.peek())) hex += this.chars[this.i++];
				if (this.peek() !== '}' || hex === '' || hex.length > 8) this.fail('invalid \\x{…} escape');
				this.i++;
				const value = parseInt(hex, 16);
				if (value > 0x10ffff) this.fail('\\x{…} beyond U+10FFFF');
				return value;
			}
			if (!isHex(this.peek()) || !isHex(this.peek(1))) this.fail('\\x needs two hex digits or \\x{…}');
			const value = parseInt(this.chars[this.i] + this.chars[this.i + 1], 16);
			this.i += 2;
			return value;
		}
		if (/^[0-9]$/.test(c)) this.fail('backreferences and octal escapes are not supported; use \\x{…} for a character');
		if (isAsciiPunct(c)) return c.codePointAt(0);
		this.fail(`invalid escape \\${c}`);
	}

	private parseClass(): void {
		this.i++; // [
		if (this.peek() === '^') this.i++;
		let first = true;
		for (;;) {
			const c = this.peek();
			if (c === undefined) this.fail('missing closing ] of a character class');
			if (c === ']' && !first) {
				this.i++;
				return;
			}
			first = false;
			if (c === '[' && this.peek(1) === ':') {
				const rest = this.chars.slice(this.i).join('');
				const m = /^\[:(\^?)([a-z]+):\]/.exec(rest);
				if (m) {
					if (!ASCII_CLASSES.has(m[2])) this.fail(`unknown character class [:${m[2]}:]`);
					this.i += m[0].length;
					continue;
				}
			}
			const lo = this.classChar();
			if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
				this.i++;
				const hi = this.classChar();
				if (lo === undefined || hi === undefined) this.fail('invalid character class range (an endpoint is a class)');
				if (hi < lo) this.fail('invalid character class range (reversed)');
			}
		}
	}

	/** One character of a class (a code point), or undefined for an embedded class such as \d. */
	private classChar(): number | undefined {
		if (this.peek() === '\\') return this.parseEscape(true);
		return this.chars[this.i++].codePointAt(0);
	}
}

/**
 * Why Go's regexp (as Prometheus compiles label-matcher regexes) would refuse
 * `pattern`, or undefined when it is valid RE2.
 */
export function re2SyntaxError(pattern: string): string | undefined {
	if (hasLoneSurrogate(pattern)) return 'contains a lone UTF-16 surrogate (not valid UTF-8)';
	try {
		new Parser([...pattern]).parseAlternation(0);
		return undefined;
	} catch (error) {
		if (error instanceof Re2Error) return error.message;
		throw error;
	}
}
