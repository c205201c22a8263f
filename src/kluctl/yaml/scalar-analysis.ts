/**
 * The scalar analysis of PyYAML's emitter and of libyaml/go-yaml's yaml_emitter_analyze_scalar, which share it:
 * which styles (plain, single-quoted, block) can write a string unchanged. The two differ only in what counts as a
 * line break and as printable.
 */

export interface ScalarAnalysis {
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowBlock: boolean;
}

export interface ScalarRules {
  /** Line-break characters. */
  breaks: string;
  /** Characters written as they are; any other one rules out every style but double quotes. */
  printable(codePoint: number): boolean;
}

const SPACES_AND_NUL = '\0 \t';

export function analyzeScalar(scalar: string, rules: ScalarRules): ScalarAnalysis {
  if (scalar === '')
    return {
      empty: true,
      multiline: false,
      allowFlowPlain: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
      allowBlock: false,
    };
  const cs = Array.from(scalar);
  const isBreak = (c: string) => rules.breaks.includes(c);
  // libyaml's IS_BLANKZ: spaces, tabs, NUL, every break and the end of the text.
  const isBlankz = (c: string | undefined) =>
    c === undefined || SPACES_AND_NUL.includes(c) || '\r\n\x85\u2028\u2029'.includes(c);
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (scalar.startsWith('---') || scalar.startsWith('...')) blockIndicators = flowIndicators = true;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  cs.forEach((ch, index) => {
    const followedByWhitespace = isBlankz(cs[index + 1]);
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flowIndicators = blockIndicators = true;
      if ('?:'.includes(ch)) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) flowIndicators = blockIndicators = true;
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) flowIndicators = blockIndicators = true;
    }
    if (!rules.printable(ch.codePointAt(0)!)) special = true;
    if (isBreak(ch)) lineBreaks = true;
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === cs.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === cs.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWhitespace = isBlankz(ch);
  });
  const a = {
    empty: false,
    multiline: lineBreaks,
    allowFlowPlain: true,
    allowBlockPlain: true,
    allowSingleQuoted: true,
    allowBlock: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.allowFlowPlain = a.allowBlockPlain = false;
  if (trailingSpace) a.allowBlock = false;
  if (breakSpace) a.allowFlowPlain = a.allowBlockPlain = a.allowSingleQuoted = false;
  if (spaceBreak || special) a.allowFlowPlain = a.allowBlockPlain = a.allowSingleQuoted = a.allowBlock = false;
  if (lineBreaks) a.allowFlowPlain = a.allowBlockPlain = false;
  if (flowIndicators) a.allowFlowPlain = false;
  if (blockIndicators) a.allowBlockPlain = false;
  return a;
}
