// Type tests, compiled by the TypeScript compiler itself: types-bad.ts with its `@ts-expect-error`
// comments stripped must fail exactly on each marked decorator, with @RpcMethod's own message, in
// both decorator modes (the build already proves types-ok.ts compiles and no mark is unused).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const dir = fileURLToPath(new URL('.', import.meta.url));
const badPath = `${dir}types-bad.ts`;
const source = readFileSync(badPath, 'utf8');
const lines = source.split('\n');
// The line after each mark is a decorated method that must not compile (1-based line numbers).
const expected = lines.flatMap((l, i) => (l.trim() === '// @ts-expect-error' ? [i + 2] : []));
const stripped = lines.map((l) => (l.trim() === '// @ts-expect-error' ? '' : l)).join('\n');

function diagnostics(tsconfig) {
  const { config } = ts.readConfigFile(`${dir}${tsconfig}`, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dir);
  const options = { ...parsed.options, noEmit: true, composite: false, incremental: false, declaration: false, declarationMap: false };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => (f === badPath ? stripped : readFile(f));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) =>
    f === badPath ? ts.createSourceFile(f, stripped, lang, true) : getSourceFile(f, lang, ...rest);
  const program = ts.createProgram([badPath], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    line: d.file ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    file: d.file?.fileName,
    code: d.code,
    text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

test('types-bad.ts marks a good number of mistakes', () => {
  assert.ok(expected.length >= 20, `${expected.length} marked decorators`);
});

for (const mode of ['standard', 'legacy']) {
  test(`${mode} decorators: each mismatched @RpcMethod fails to compile with a readable error`, () => {
    const found = diagnostics(`tsconfig.${mode}.json`);
    const others = found.filter((d) => d.file !== badPath);
    assert.deepEqual(others, [], 'no errors outside the fixture');
    assert.deepEqual(found.map((d) => d.line), expected, 'one error per marked decorator, nothing else');
    for (const d of found) {
      assert.equal(d.code, 1241, `line ${d.line}: a decorator signature error\n${d.text}`);
      assert.match(d.text, /@RpcMethod: (the method does not match its descriptors|wrong number of parameters)/, `line ${d.line}:\n${d.text}`);
    }
    // The message spells out what the descriptors stand for, in TypeScript terms.
    const int64 = found.find((d) => d.line === expected[1]);
    assert.match(int64.text, /must accept': \[bigint\]/, int64.text);
    const arity = found.find((d) => d.line === expected[5]);
    assert.match(arity.text, /the descriptors declare': 2/, arity.text);
  });
}
