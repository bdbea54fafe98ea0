import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Runs a JDK tool; a missing JDK fails the test with the line that installs one. */
export function jdk(tool: 'javac' | 'jar', args: string[], cwd?: string): void {
  try {
    execFileSync(tool, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} not found: apt-get install -y openjdk-17-jdk-headless`);
    throw new Error(`${tool} ${args.join(' ')} failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
  }
}

/** Compiles Java sources (path → text) into a fresh folder; returns { classes, jar }. */
export function compileJava(sources: Record<string, string>): { classes: string; jar: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-codegen-'));
  const files = Object.entries(sources).map(([path, text]) => {
    const p = join(dir, 'src', path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  });
  const classes = join(dir, 'classes');
  jdk('javac', ['-d', classes, ...files]);
  const jar = join(dir, 'api.jar');
  jdk('jar', ['cf', jar, '-C', classes, '.']);
  return { classes, jar };
}

/** An API with what code generation must get right: generics, enums, nested classes, exceptions, overloads, boxing. */
export const API: Record<string, string> = {
  'com/acme/model/Page.java': `package com.acme.model;
import java.util.List;
public class Page<T> implements java.io.Serializable { private List<T> items; private int total; }`,
  'com/acme/model/Base.java': `package com.acme.model;
public abstract class Base<K> implements java.io.Serializable { private K key; private static int COUNTER; private transient String cache; }`,
  'com/acme/model/Item.java': `package com.acme.model;
import java.util.*;
import java.math.BigDecimal;
public class Item extends Base<Long> {
  public enum Kind { SMALL, LARGE; public int weight() { return 1; } }
  public static class Tag implements java.io.Serializable { String name; Kind kind; }
  public class Inner { int x; }
  private int qty; private Integer maybe; private long[] ids; private byte[] raw; private String[] names;
  private Map<String, List<Long>> index; private Set<Tag> tags; private Date at; private BigDecimal price; private Kind kind; private Item next;
  private boolean flag; private Boolean flag2; private char c; private double d; private float f; private short s; private byte b;
  private String \u00e9t\u00e9 = "\\u0000\\uD83D\\uDE00";
}`,
  'com/acme/api/NotFound.java': `package com.acme.api;
public class NotFound extends Exception { public NotFound(String m) { super(m); } }`,
  'com/acme/api/Gone.java': `package com.acme.api;
public class Gone extends NotFound { public Gone() { super("gone"); } }`,
  'com/acme/api/Vendor.java': `package com.acme.api;
public class Vendor extends com.vendor.VendorException { }`,
  'com/vendor/VendorException.java': `package com.vendor;
public class VendorException extends RuntimeException { }`,
  'com/acme/api/BaseApi.java': `package com.acme.api;
public interface BaseApi { String ping(); }`,
  'com/acme/api/ItemService.java': `package com.acme.api;
import com.acme.model.*;
import java.util.*;
import java.util.concurrent.CompletableFuture;
public interface ItemService extends BaseApi {
  Item get(long id) throws NotFound;
  Page<Item> list(int page);
  String find(int x); String find(Integer x); String find(String s); String find(long[] xs);
  <T extends Item> T same(T t);
  CompletableFuture<Map<String, Item>> all();
  void put(List<? extends Item> items, Item.Kind kind);
  static int helper() { return 1; }
  default int size() { return 0; }
}`,
  'com/acme/api/Crud.java': `package com.acme.api;
public interface Crud<T extends java.io.Serializable, ID> { T load(ID id); void store(java.io.Serializable s, java.util.HashMap<String, T[]> m, Object o, int[][] grid, Long[] boxed); }`,
  'com/acme/api/ItemCrud.java': `package com.acme.api;
public interface ItemCrud extends Crud<com.acme.model.Item, Long> { java.util.Optional<String> maybe(java.math.BigInteger b); }`,
  'com/acme/internal/Hidden.java': `package com.acme.internal;
public interface Hidden { void x(); }`,
};
