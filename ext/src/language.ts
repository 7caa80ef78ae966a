/**
 * The `diffuse` language for CodeMirror 6: a stream parser (legacy-mode
 * style) wrapped in a StreamLanguage.
 *
 * Token kinds (what `token()` returns, mapped to @lezer/highlight tags):
 *   command     a name in the kernel's command registry  standard(variableName)
 *   keyword     true false none and or not by              keyword
 *               if else for in def return end (lexer.c's keyword table)
 *   number      42  0.5  1e-4  .5                          number
 *   string      "a\tb"  """several lines"""                string
 *   comment     # to the end of the line                   comment
 *   definition  `x` in `x = ...` at the start of a line    definition(variableName)
 *   kwarg       `name` in `name=value` after a command     attributeName
 *   property    `field` in `x.field`                       propertyName
 *   variableName any other name                            variableName
 *   operator    + - * / % ** == != < <= > >= = .. .       operator
 *   bracket     ( ) [ ]      punctuation  ,
 *   error       unterminated string, bad number, stray character  invalid
 *
 * It follows kernel/lang/lexer.c: ASCII names, `1..5` is a range (a dot is
 * a decimal point only before a digit), strings end at the line's end
 * (error) except triple-quoted ones, which may span lines.
 */
import {
  LanguageSupport,
  StreamLanguage,
  StreamParser,
  StringStream,
  syntaxHighlighting
} from '@codemirror/language';
import { tagHighlighter, tags } from '@lezer/highlight';
import { COMMAND_NAMES } from './commands.generated';

export const LANGUAGE_NAME = 'diffuse';
export const LANGUAGE_MIME = 'text/x-diffuse';
export const LANGUAGE_EXTENSION = 'diffuse';

export const KEYWORDS: ReadonlySet<string> = new Set([
  'true',
  'false',
  'none',
  'and',
  'or',
  'not',
  'by',
  'if',
  'else',
  'for',
  'in',
  'def',
  'return',
  'end'
]);

export interface IDiffuseState {
  /** Inside a """triple-quoted""" string that continues on the next line. */
  inTriple: boolean;
  /** Open ( and [ (newlines inside them do not end the statement). */
  depth: number;
  /** The last token lets the statement continue on the next line. */
  continues: boolean;
  /** No token yet in this statement. */
  statementStart: boolean;
  /** The previous token was a `.` (field access). */
  afterDot: boolean;
}

// Tokens after which a newline does not end the statement (lexer_continues).
const CONTINUING_OPS = new Set(['+', '-', '*', '/', '%', '**', '==', '!=', '<', '<=', '>', '>=', '=', '..', '.', ',']);
const CONTINUING_KEYWORDS = new Set(['and', 'or', 'not', 'by']);

function tripleBody(stream: StringStream, state: IDiffuseState): string {
  while (!stream.eol()) {
    if (stream.match('"""')) {
      state.inTriple = false;
      return 'string';
    }
    const c = stream.next();
    if (c === '\\' && !stream.eol()) {
      stream.next();
    }
  }
  state.inTriple = true;
  return 'string';
}

export function createParser(
  commands: ReadonlySet<string> = COMMAND_NAMES
): StreamParser<IDiffuseState> {
  return {
    name: LANGUAGE_NAME,
    startState: () => ({
      inTriple: false,
      depth: 0,
      continues: false,
      statementStart: true,
      afterDot: false
    }),
    copyState: s => ({ ...s }),
    token(stream, state) {
      if (stream.sol() && !state.inTriple) {
        state.statementStart = state.depth === 0 && !state.continues;
        state.afterDot = false;
      }
      if (state.inTriple) {
        return tripleBody(stream, state);
      }
      if (stream.eatSpace()) {
        return null;
      }
      const style = scan(stream, state, commands);
      if (style !== 'comment') {
        state.statementStart = false;
      }
      return style;
    },
    blankLine(state) {
      if (!state.inTriple) {
        state.statementStart = state.depth === 0 && !state.continues;
      }
    },
    tokenTable: {
      command: tags.standard(tags.variableName),
      definition: tags.definition(tags.variableName),
      kwarg: tags.attributeName,
      property: tags.propertyName,
      bracket: tags.bracket,
      punctuation: tags.punctuation,
      error: tags.invalid
    },
    languageData: {
      commentTokens: { line: '#' },
      closeBrackets: { brackets: ['(', '[', '"'] }
    }
  };
}

function scan(stream: StringStream, state: IDiffuseState, commands: ReadonlySet<string>): string {
  const wasDot = state.afterDot;
  state.afterDot = false;
  state.continues = false;
  const c = stream.peek()!;
  if (c === '#') {
    stream.skipToEnd();
    // a comment keeps the previous token's continuation
    return 'comment';
  }
  if (c === '"') {
    if (stream.match('"""')) {
      return tripleBody(stream, state);
    }
    stream.next();
    while (!stream.eol()) {
      const d = stream.next();
      if (d === '\\' && !stream.eol()) {
        stream.next();
      } else if (d === '"') {
        return 'string';
      }
    }
    return 'error'; // unterminated string
  }
  if (/\d/.test(c) || (c === '.' && /\d/.test(stream.string.charAt(stream.pos + 1)))) {
    stream.match(/^\d*/);
    if (stream.peek() === '.' && /\d/.test(stream.string.charAt(stream.pos + 1))) {
      stream.next();
      stream.match(/^\d*/);
    }
    if (/[eE]/.test(stream.peek() ?? '')) {
      if (!stream.match(/^[eE][+-]?\d+/)) {
        stream.match(/^[eE][+-]?/);
        stream.match(/^[A-Za-z0-9_]*/);
        return 'error';
      }
    }
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      return 'error'; // 12abc
    }
    return 'number';
  }
  if (/[A-Za-z_]/.test(c)) {
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray;
    const name = word[0];
    if (KEYWORDS.has(name)) {
      state.continues = CONTINUING_KEYWORDS.has(name);
      return 'keyword';
    }
    if (wasDot) {
      return 'property';
    }
    // `round x digits=2`: a keyword argument, even when a command has the
    // same name (`digits`), as the kernel's parser reads it.
    if (!state.statementStart && stream.match(/^\s*=(?!=)/, false)) {
      return 'kwarg';
    }
    if (commands.has(name)) {
      return 'command';
    }
    if (stream.match(/^\s*=(?!=)/, false)) {
      return state.statementStart ? 'definition' : 'kwarg';
    }
    return 'variableName';
  }
  const two = stream.match(/^(\*\*|==|!=|<=|>=|\.\.)/) as RegExpMatchArray | null;
  if (two) {
    state.continues = true;
    return 'operator';
  }
  stream.next();
  if ('+-*/%<>=.'.includes(c)) {
    state.continues = CONTINUING_OPS.has(c);
    state.afterDot = c === '.';
    return 'operator';
  }
  if (c === '(' || c === '[') {
    state.depth++;
    return 'bracket';
  }
  if (c === ')' || c === ']') {
    state.depth = Math.max(0, state.depth - 1);
    return 'bracket';
  }
  if (c === ',') {
    state.continues = true;
    return 'punctuation';
  }
  // a stray character: skip the rest of a UTF-16 surrogate pair as well
  if (/[\uD800-\uDBFF]/.test(c)) {
    stream.next();
  }
  return 'error';
}

/** Stable class names on diffuse tokens (tests and user CSS hook onto them),
 * in addition to JupyterLab's own colours. */
export const diffuseClassHighlighter = tagHighlighter([
  { tag: tags.keyword, class: 'tok-keyword' },
  { tag: tags.number, class: 'tok-number' },
  { tag: tags.string, class: 'tok-string' },
  { tag: tags.comment, class: 'tok-comment' },
  { tag: tags.standard(tags.variableName), class: 'tok-command' },
  { tag: tags.definition(tags.variableName), class: 'tok-definition' },
  { tag: tags.variableName, class: 'tok-variableName' },
  { tag: tags.attributeName, class: 'tok-kwarg' },
  { tag: tags.propertyName, class: 'tok-property' },
  { tag: tags.operator, class: 'tok-operator' },
  { tag: tags.bracket, class: 'tok-bracket' },
  { tag: tags.punctuation, class: 'tok-punctuation' },
  { tag: tags.invalid, class: 'tok-invalid' }
]);

export const diffuseLanguage = StreamLanguage.define(createParser());

export function diffuseSupport(): LanguageSupport {
  return new LanguageSupport(diffuseLanguage, [syntaxHighlighting(diffuseClassHighlighter)]);
}

export interface IToken {
  text: string;
  type: string | null;
}

/**
 * Tokenize text line by line with the stream parser (no editor needed):
 * for tests and for checking a grammar change quickly.  Whitespace runs come
 * out with type null; each line ends with a {text: '\n', type: null} token
 * except the last.
 */
export function tokenize(text: string, parser = createParser()): IToken[] {
  const out: IToken[] = [];
  const state = parser.startState!(2);
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.length === 0) {
      parser.blankLine?.(state, 2);
    }
    const stream = new StringStream(line, 2, 2);
    while (!stream.eol()) {
      const style = parser.token(stream, state);
      if (stream.pos === stream.start) {
        throw new Error(`diffuse parser made no progress at ${i}:${stream.pos}`);
      }
      out.push({ text: line.slice(stream.start, stream.pos), type: style ?? null });
      stream.start = stream.pos;
    }
    if (i < lines.length - 1) {
      out.push({ text: '\n', type: null });
    }
  });
  return out;
}
