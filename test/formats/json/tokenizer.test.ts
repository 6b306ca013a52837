// The streaming JSON tokenizer and the whole-value parser on it: the same values as
// JSON.parse for every valid text however it is cut into pieces, the same texts refused,
// and what JSON.parse lets through (a repeated key, nesting without end) refused with
// its line and column.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { JsonTextError, JsonTokenizer, type JsonEvents } from '../../../src/formats/json/tokenizer.js';
import { parseJsonText } from '../../../src/formats/json/value.js';
import { INTAKE_LIMITS } from '../../../src/model/limits.js';
import { SAMPLE_JSON } from '../../intake/support.js';

type Json = ReturnType<typeof JSON.parse>;

/** Builds the value from events, to compare with JSON.parse (keys in order, nulls kept). */
function collector(): JsonEvents & { value(): Json } {
  const stack: { container: Json; key?: string }[] = [];
  let root: Json;
  const add = (v: Json) => {
    const top = stack[stack.length - 1];
    if (!top) root = v;
    else if (Array.isArray(top.container)) top.container.push(v);
    // As JSON.parse does: "__proto__" becomes an own property.
    else Object.defineProperty(top.container, top.key!, { value: v, enumerable: true, writable: true, configurable: true });
  };
  return {
    startObject: () => void stack.push({ container: {} }),
    startArray: () => void stack.push({ container: [] }),
    endObject: () => add(stack.pop()!.container),
    endArray: () => add(stack.pop()!.container),
    key: (k) => void (stack[stack.length - 1]!.key = k),
    scalar: (v) => add(v),
    value: () => root,
  };
}

/** The text pushed `size` characters at a time (Infinity: whole). */
function tokenize(text: string, size: number, limits = { maxDepth: 64, maxMembers: 1000 }): Json {
  const events = collector();
  const tokenizer = new JsonTokenizer(events, limits);
  for (let i = 0; i < text.length; i += size) tokenizer.push(text.slice(i, i + size));
  tokenizer.end();
  return events.value();
}

function refusal(text: string, size = Infinity, limits = { maxDepth: 64, maxMembers: 1000 }): JsonTextError {
  try {
    tokenize(text, size, limits);
  } catch (err) {
    if (err instanceof JsonTextError) return err;
    throw err;
  }
  throw new Error(`not refused: ${text}`);
}

const VALID = [
  readFileSync(SAMPLE_JSON, 'utf8'),
  '0',
  '-0.5e+10',
  '12345678901234567890',
  '1E-7',
  '"text"',
  'true',
  'false',
  'null',
  '[]',
  '{}',
  ' \t\r\n[ 1 , [ ] , { } , "a" , null ]\n',
  '{"a":{"b":[{"c":[true,false,null,-1.25e3]}]},"d":""}',
  '"escapes: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00 é 😀"',
  '{"__proto__": {"polluted": true}, "constructor": 1}',
  '{"a":1,"A":2,"a ":3}',
];

const INVALID = [
  '',
  '   ',
  '[1,]',
  '{"a":1,}',
  '[1 2]',
  '{"a" 1}',
  '{a:1}',
  "{'a':1}",
  '01',
  '1.',
  '.5',
  '-',
  '+1',
  '1e',
  'tru',
  'nul',
  'True',
  'NaN',
  '"unterminated',
  '"bad \\x escape"',
  '"\\u12G4"',
  '"raw\ttab"',
  '"raw\nnewline"',
  '[1]]',
  '[1] 2',
  '{"a":1}}',
  '[',
  '{"a":',
  '[1,',
];

describe('JSON tokenizer', function () {
  it('gives the values JSON.parse gives, whatever size the pieces are', function () {
    for (const text of VALID) {
      const expected = JSON.parse(text);
      for (const size of [1, 2, 3, 5, 7, 64, Infinity]) {
        expect(tokenize(text, size), `${text.slice(0, 40)} in pieces of ${size}`).to.deep.equal(expected);
      }
    }
  });

  it('refuses what JSON.parse refuses, whatever size the pieces are', function () {
    for (const text of INVALID) {
      expect(() => JSON.parse(text), text).to.throw(SyntaxError);
      for (const size of [1, 3, Infinity]) expect(refusal(text, size).problem, `${text} in pieces of ${size}`).to.be.oneOf(['syntax', 'control']);
    }
  });

  it('names the line and column (UTF-16 units, 1-based) of what it refuses', function () {
    const e = refusal('{\n  "a": 1,\n  "b": tru3\n}');
    expect([e.problem, e.line, e.column]).to.deep.equal(['syntax', 3, 8]);
    const control = refusal('["ok",\n "é\u0001"]', 2);
    expect([control.problem, control.line, control.column, control.detail.codePoint]).to.deep.equal(['control', 2, 4, 1]);
  });

  it('a key twice in one object is refused at the second, even spelled with an escape', function () {
    for (const size of [1, 4, Infinity]) {
      const e = refusal('{"orders": [{"customerId": "1",\n   "customerId": "2"}]}', size);
      expect([e.problem, e.line, e.column, e.detail.key, e.message]).to.deep.equal(['duplicate-key', 2, 4, 'customerId', 'the key "customerId" appears twice in one object']);
    }
    expect(refusal('{"ab": 1, "a\\u0062": 2}').detail.key).to.equal('ab');
    expect(tokenize('[{"a":1},{"a":2},{"b":{"a":3}}]', Infinity)).to.deep.equal([{ a: 1 }, { a: 2 }, { b: { a: 3 } }]);
  });

  it('refuses nesting past maxDepth at the bracket, and members past maxMembers at the key', function () {
    expect(tokenize('[[[]]]', Infinity, { maxDepth: 3, maxMembers: 10 })).to.deep.equal([[[]]]);
    const deep = refusal('[[{"a":[]}]]', 1, { maxDepth: 3, maxMembers: 10 });
    expect([deep.problem, deep.line, deep.column]).to.deep.equal(['depth', 1, 8]);
    expect(tokenize('{"a":1,"b":2}', Infinity, { maxDepth: 3, maxMembers: 2 })).to.deep.equal({ a: 1, b: 2 });
    const wide = refusal('{"a":1,"b":2,"c":3}', Infinity, { maxDepth: 3, maxMembers: 2 });
    expect([wide.problem, wide.column]).to.deep.equal(['members', 14]);
  });

  it('refuses an escape its caller does not allow, at the backslash', function () {
    const events = collector();
    const tokenizer = new JsonTokenizer(events, { maxDepth: 8, maxMembers: 8, refuseEscaped: (c) => c === 0 });
    expect(() => tokenizer.push('["a\\u0000b"]'))
      .to.throw(JsonTextError)
      .that.satisfies((e: JsonTextError) => e.problem === 'control' && e.column === 4 && e.detail.codePoint === 0);
  });

  it('parseJsonText: null members absent when asked, "__proto__" an own property, limits from INTAKE_LIMITS', function () {
    const text = '{"poNumber": null, "orders": [null, {"assetTag": null, "deviceId": "X"}], "__proto__": {"polluted": true}}';
    const read = parseJsonText(text, { nullIsAbsent: true });
    if (!('value' in read)) throw read.error;
    expect(read.value).to.deep.equal(JSON.parse('{"orders": [null, {"deviceId": "X"}], "__proto__": {"polluted": true}}'));
    expect(Object.getPrototypeOf(read.value)).to.equal(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    const kept = parseJsonText(text, { nullIsAbsent: false });
    expect('value' in kept && kept.value).to.deep.equal(JSON.parse(text));
    const tooDeep = parseJsonText('['.repeat(INTAKE_LIMITS.jsonDepth + 1), { nullIsAbsent: true });
    expect('error' in tooDeep && tooDeep.error.problem).to.equal('depth');
  });
});
