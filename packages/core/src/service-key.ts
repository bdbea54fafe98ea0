/**
 * A service is found by interface name, version and group, as in Dubbo and SOFARPC
 * (SOFA's `uniqueId` plays the part of the group). Unset version and group are `undefined`,
 * never `""`: Java compares them by exact string equality, and `null ≠ ""` there.
 */
export interface ServiceKey {
  readonly interface: string;
  readonly version?: string | undefined;
  readonly group?: string | undefined;
}

/** `group/interface:version`, the spelling Dubbo uses for its exporter map. */
export function serviceKeyString(key: ServiceKey): string {
  let s = key.interface;
  if (key.group) s = `${key.group}/${s}`;
  if (key.version) s = `${s}:${key.version}`;
  return s;
}

/** Version `0.0.0` and `*` mean "no version" to Dubbo; normalize them away. */
export function normalizeVersion(version: string | undefined | null): string | undefined {
  if (version === undefined || version === null || version === '' || version === '0.0.0' || version === '*') return undefined;
  return version;
}
