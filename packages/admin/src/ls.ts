import type { AdminStatus } from './target.js';

/**
 * Dubbo QoS' `ls`: the provider side (each service and whether it is published, `Y`/`N`) and the
 * consumer side (each referred service and how many addresses it has), as ASCII tables.
 */
export function formatLs(status: AdminStatus): string {
  const providers = new Map<string, boolean>();
  for (const s of status.services) providers.set(s.service, (providers.get(s.service) ?? false) || s.state === 'online');
  const registry = status.registry ?? 'none';
  const consumers = new Map<string, number>();
  for (const r of status.references) consumers.set(r.service, (consumers.get(r.service) ?? 0) + r.endpoints.length);
  return `As Provider side:\n${table(['Provider Service Name', 'PUB'], [...providers].map(([name, pub]) => [name, `${registry}(${pub ? 'Y' : 'N'})`]))}` +
    `As Consumer side:\n${table(['Consumer Service Name', 'NUM'], [...consumers].map(([name, n]) => [name, String(n)]))}`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const row = (cells: string[]) => `|${cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join('|')}|\n`;
  return line + row(header) + line + rows.map((r) => row(r) + line).join('');
}
