import { Code, RpcError } from '@meshlet/core';

/** A Java type as a descriptor or generic signature spells it (JVMS §4.7.9.1). */
export type JType =
  | { readonly k: 'prim'; readonly name: 'void' | 'boolean' | 'byte' | 'short' | 'int' | 'long' | 'float' | 'double' | 'char' }
  | { readonly k: 'class'; readonly name: string; readonly args: readonly JType[] }
  | { readonly k: 'array'; readonly element: JType }
  | { readonly k: 'var'; readonly name: string }
  /** `?`, `? extends X` (bound X) or `? super X` (no usable bound). */
  | { readonly k: 'wild'; readonly bound: JType | undefined };

export interface TypeParam {
  readonly name: string;
  /** The first bound (class bound, else first interface bound); `Object` when none. */
  readonly bound: JType;
}

export interface MethodSig {
  readonly typeParams: readonly TypeParam[];
  readonly params: readonly JType[];
  readonly returns: JType;
  readonly throws: readonly JType[];
}

export interface ClassSig {
  readonly typeParams: readonly TypeParam[];
  readonly superclass: JType;
  readonly interfaces: readonly JType[];
}

const PRIMS: Record<string, JType> = {
  V: { k: 'prim', name: 'void' }, Z: { k: 'prim', name: 'boolean' }, B: { k: 'prim', name: 'byte' },
  S: { k: 'prim', name: 'short' }, I: { k: 'prim', name: 'int' }, J: { k: 'prim', name: 'long' },
  F: { k: 'prim', name: 'float' }, D: { k: 'prim', name: 'double' }, C: { k: 'prim', name: 'char' },
};

export const OBJECT: JType = { k: 'class', name: 'java.lang.Object', args: [] };

/** One parser for both descriptors and generic signatures: descriptors are the generic-free subset. */
class SigParser {
  i = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new RpcError(Code.InvalidArgument, `bad type signature ${JSON.stringify(this.s.slice(0, 200))}: ${msg} at ${this.i}`);
  }

  peek(): string {
    return this.s[this.i] ?? '';
  }

  expect(c: string): void {
    if (this.s[this.i] !== c) this.fail(`expected '${c}'`);
    this.i++;
  }

  ident(stops: string): string {
    const start = this.i;
    while (this.i < this.s.length && !stops.includes(this.s[this.i]!)) this.i++;
    if (this.i === start) this.fail('expected an identifier');
    return this.s.slice(start, this.i);
  }

  type(): JType {
    const c = this.peek();
    if (PRIMS[c]) {
      this.i++;
      return PRIMS[c]!;
    }
    if (c === '[') {
      this.i++;
      return { k: 'array', element: this.type() };
    }
    if (c === 'T') {
      this.i++;
      const name = this.ident(';');
      this.expect(';');
      return { k: 'var', name };
    }
    if (c === 'L') return this.classType();
    return this.fail('expected a type');
  }

  /** `Lpkg/Outer<A>.Inner<B>;`: an inner class of a generic outer keeps only the innermost arguments. */
  classType(): JType {
    this.expect('L');
    let name = this.ident('<.;').replace(/\//g, '.');
    let args = this.typeArgs();
    while (this.peek() === '.') {
      this.i++;
      name += '$' + this.ident('<.;');
      args = this.typeArgs();
    }
    this.expect(';');
    return { k: 'class', name, args };
  }

  typeArgs(): JType[] {
    if (this.peek() !== '<') return [];
    this.i++;
    const args: JType[] = [];
    while (this.peek() !== '>') {
      if (this.i >= this.s.length) this.fail('unterminated type arguments');
      const c = this.peek();
      if (c === '*') {
        this.i++;
        args.push({ k: 'wild', bound: undefined });
      } else if (c === '+') {
        this.i++;
        args.push({ k: 'wild', bound: this.type() });
      } else if (c === '-') {
        this.i++;
        this.type();
        args.push({ k: 'wild', bound: undefined });
      } else args.push(this.type());
    }
    this.i++;
    return args;
  }

  typeParams(): TypeParam[] {
    if (this.peek() !== '<') return [];
    this.i++;
    const out: TypeParam[] = [];
    while (this.peek() !== '>') {
      if (this.i >= this.s.length) this.fail('unterminated type parameters');
      const name = this.ident(':');
      let bound: JType | undefined;
      while (this.peek() === ':') {
        this.i++;
        // An empty class bound (`T::Ljava/lang/Comparable;`) is followed directly by an interface bound.
        if (this.peek() === ':') continue;
        const b = this.type();
        bound ??= b;
      }
      out.push({ name, bound: bound ?? OBJECT });
    }
    this.i++;
    return out;
  }

  end(): void {
    if (this.i !== this.s.length) this.fail('trailing characters');
  }
}

export function parseFieldType(s: string): JType {
  const p = new SigParser(s);
  const t = p.type();
  p.end();
  return t;
}

export function parseMethodSig(s: string): MethodSig {
  const p = new SigParser(s);
  const typeParams = p.typeParams();
  p.expect('(');
  const params: JType[] = [];
  while (p.peek() !== ')') {
    if (p.i >= s.length) p.fail('unterminated parameter list');
    params.push(p.type());
  }
  p.i++;
  const returns = p.type();
  const throws: JType[] = [];
  while (p.peek() === '^') {
    p.i++;
    throws.push(p.type());
  }
  p.end();
  return { typeParams, params, returns, throws };
}

export function parseClassSig(s: string): ClassSig {
  const p = new SigParser(s);
  const typeParams = p.typeParams();
  const superclass = p.classType();
  const interfaces: JType[] = [];
  while (p.i < s.length) interfaces.push(p.classType());
  return { typeParams, superclass, interfaces };
}
