// The README's executable blocks: a fenced block right after `<!-- test: file=NAME -->` is the
// file NAME, exactly as printed. The install suites write them into an app folder and run them,
// so the README's example cannot drift from what works.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const README = new URL('../../../README.md', import.meta.url);
const MARK = /<!-- test: file=([\w.-]+) -->\s*\n```[\w-]*\n([\s\S]*?)\n```/g;

/** `{ name: text }` for every marked block of the README. */
export function readmeFiles(text = readFileSync(README, 'utf8')) {
  const files = {};
  for (const [, name, body] of text.matchAll(MARK)) {
    if (files[name] !== undefined) throw new Error(`README.md marks two blocks as ${name}`);
    files[name] = `${body}\n`;
  }
  return files;
}

/** Writes the marked blocks into `dir`; returns their names. */
export function writeReadmeFiles(dir) {
  const files = readmeFiles();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files);
}

/** The fresh app's measured `node_modules` size that the README states, in MB. */
export function readmeFreshAppMb(text = readFileSync(README, 'utf8')) {
  const m = /That app's `node_modules` is ([\d.]+) MB/.exec(text);
  return m ? Number(m[1]) : undefined;
}
