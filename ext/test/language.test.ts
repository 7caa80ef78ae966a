import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { highlightTree } from '@lezer/highlight';
import { COMMANDS, COMMAND_NAMES } from '../src/commands.generated';
import {
  createParser,
  diffuseClassHighlighter,
  diffuseLanguage,
  diffuseSupport,
  KEYWORDS,
  tokenize
} from '../src/language';

/** [text, type] pairs without whitespace/newline tokens. */
function toks(src: string): [string, string | null][] {
  return tokenize(src)
    .filter(t => t.text.trim() !== '')
    .map(t => [t.text, t.type]);
}

function typeOf(src: string, word: string): string | null {
  const hit = toks(src).find(([t]) => t === word);
  assert.ok(hit, `no token ${JSON.stringify(word)} in ${JSON.stringify(src)}`);
  return hit[1];
}

test('the command list is generated from the registry', () => {
  assert.ok(COMMANDS.length > 20);
  for (const c of ['print', 'plot', 'progression', 'forward', 'help', 'seed']) {
    assert.ok(COMMAND_NAMES.has(c), c);
  }
  const root = join(__dirname, '..', '..', '..');
  const bin = process.env.DIFFUSE_BIN ?? join(root, '.venv', 'bin', 'diffuse');
  if (existsSync(bin)) {
    const reg = JSON.parse(execFileSync(bin, ['--commands-json'], { encoding: 'utf8' }));
    const names = reg.map((c: { name: string }) => c.name).sort();
    assert.deepEqual([...COMMAND_NAMES].sort(), names, 'stale commands.generated.ts: rebuild');
  }
});

test('commands, keywords, numbers, strings, comments', () => {
  const src = 'print "loss" 0.25 true none  # a comment';
  assert.deepEqual(toks(src), [
    ['print', 'command'],
    ['"loss"', 'string'],
    ['0.25', 'number'],
    ['true', 'keyword'],
    ['none', 'keyword'],
    ['# a comment', 'comment']
  ]);
  for (const k of KEYWORDS) {
    assert.equal(typeOf(`x = a ${k} b`, k), 'keyword');
  }
});

test('numbers, ranges and operators', () => {
  assert.deepEqual(toks('steps = 990..0 by -30'), [
    ['steps', 'definition'],
    ['=', 'operator'],
    ['990', 'number'],
    ['..', 'operator'],
    ['0', 'number'],
    ['by', 'keyword'],
    ['-', 'operator'],
    ['30', 'number']
  ]);
  assert.deepEqual(toks('1e-4 .5 2.5e3 1..5'), [
    ['1e-4', 'number'],
    ['.5', 'number'],
    ['2.5e3', 'number'],
    ['1', 'number'],
    ['..', 'operator'],
    ['5', 'number']
  ]);
  const ops = toks('a ** b == c != d <= e >= f < g > h + i - j * k / l % m');
  assert.deepEqual(
    ops.filter(([, t]) => t === 'operator').map(([s]) => s),
    ['**', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%']
  );
});

test('names: definitions, keyword arguments, fields, variables', () => {
  const t = toks('x = round 3.14159 digits=2');
  assert.deepEqual(t, [
    ['x', 'definition'],
    ['=', 'operator'],
    ['round', 'command'],
    ['3.14159', 'number'],
    ['digits', 'kwarg'],
    ['=', 'operator'],
    ['2', 'number']
  ]);
  assert.equal(typeOf('clear wait = true', 'wait'), 'kwarg');
  assert.equal(typeOf('print model.loss', 'loss'), 'property');
  assert.equal(typeOf('print model.loss', 'model'), 'variableName');
  assert.equal(typeOf('assert (len ts) == 3', 'ts'), 'variableName');
  // `==` is a comparison, not a keyword argument
  assert.equal(typeOf('assert n == 3', 'n'), 'variableName');
  // a continued statement: `y` on the second line is a keyword argument
  assert.equal(typeOf('plot [1, 2]\n  x = 1', 'x'), 'definition');
  assert.equal(typeOf('plot [1,\n 2] names=["a"]', 'names'), 'kwarg');
  assert.equal(typeOf('show img +\n  title="t"', 'title'), 'kwarg');
});

test('strings: escapes, triple quotes across lines, unterminated', () => {
  assert.deepEqual(toks('print "a\\"b\\\\" x'), [
    ['print', 'command'],
    ['"a\\"b\\\\"', 'string'],
    ['x', 'variableName']
  ]);
  const t = toks('s = """first\nsecond # not a comment\nthird""" + "x"');
  assert.deepEqual(t, [
    ['s', 'definition'],
    ['=', 'operator'],
    ['"""first', 'string'],
    ['second # not a comment', 'string'],
    ['third"""', 'string'],
    ['+', 'operator'],
    ['"x"', 'string']
  ]);
  assert.deepEqual(toks('print "open\nprint 1'), [
    ['print', 'command'],
    ['"open', 'error'],
    ['print', 'command'],
    ['1', 'number']
  ]);
});

test('errors: bad numbers and stray characters', () => {
  assert.equal(typeOf('x = 12abc', '12abc'), 'error');
  assert.equal(typeOf('x = 1e+', '1e+'), 'error');
  assert.equal(typeOf('x = 1 @ 2', '@'), 'error');
  assert.equal(typeOf('x = 1 😀 2', '😀'), 'error');
  assert.equal(typeOf('x = [1, 2]', ','), 'punctuation');
  assert.equal(typeOf('x = [1, 2]', '['), 'bracket');
});

test('every character is covered by exactly one token', () => {
  const src = 'seed 180\nimg = load "a.jpg"\n\nts = [0, 250]  # c\nprogression (forward img t=ts) ts title="f"\n"""\nx';
  assert.equal(tokenize(src).map(t => t.text).join(''), src);
});

test('a custom command set', () => {
  const p = createParser(new Set(['frobnicate']));
  assert.equal(tokenize('frobnicate 1', p)[0].type, 'command');
  assert.equal(tokenize('print 1', p)[0].type, 'variableName');
});

test('the CodeMirror language maps tokens to highlighting classes', () => {
  const src = 'x = plot [1, 2] log=true  # c\nprint "s" model.loss @';
  const tree = diffuseLanguage.parser.parse(src);
  const classes: Record<string, string> = {};
  highlightTree(tree, diffuseClassHighlighter, (from, to, cls) => {
    classes[src.slice(from, to)] = cls;
  });
  assert.equal(classes['x'], 'tok-definition');
  assert.equal(classes['plot'], 'tok-command');
  assert.equal(classes['1'], 'tok-number');
  assert.equal(classes['log'], 'tok-kwarg');
  assert.equal(classes['true'], 'tok-keyword');
  assert.equal(classes['# c'], 'tok-comment');
  assert.equal(classes['"s"'], 'tok-string');
  assert.equal(classes['loss'], 'tok-property');
  assert.equal(classes['@'], 'tok-invalid');
  assert.equal(diffuseLanguage.name, 'diffuse');
  assert.ok(diffuseSupport().language === diffuseLanguage);
});
