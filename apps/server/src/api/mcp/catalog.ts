import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from '../../plugins/registry.js';
import type { WorkerToolInfo } from '@bastion/protocol';
import { assignNames, type ToolRef } from './tool-names.js';

export interface CatalogEntry extends ToolRef {
  /** The MCP tool name. */
  name: string;
  info: WorkerToolInfo;
  available: boolean;
}

type Schema = Record<string, unknown>;

const BINARY_HINT = 'Binary data as a base64 string (a data: URL works too).';

/**
 * Every known plugin tool under its MCP name, available or not (a call to a tool of a FAILED plugin then answers
 * PLUGIN_FAILED rather than "unknown tool"). Built from the registry's snapshot on each use: reads are cheap and
 * never stale.
 */
export function catalog(registry: Registry): Map<string, CatalogEntry> {
  const infos = new Map<string, WorkerToolInfo>();
  const availability = new Map<string, boolean>();
  const refs: ToolRef[] = [];
  for (const plugin of registry.names()) {
    availability.set(plugin, registry.isAvailable(plugin));
    for (const info of registry.tools(plugin)) {
      const ref = { plugin, tool: info.name };
      refs.push(ref);
      infos.set(`${plugin}\0${info.name}`, info);
    }
  }
  const entries = new Map<string, CatalogEntry>();
  for (const [name, ref] of assignNames(refs)) {
    const info = infos.get(`${ref.plugin}\0${ref.tool}`);
    if (info) entries.set(name, { ...ref, name, info, available: availability.get(ref.plugin) ?? false });
  }
  return entries;
}

/** Finds the plugin tool an MCP name stands for; an unknown name is read as `<plugin>__<tool>`. */
export function resolveName(entries: Map<string, CatalogEntry>, name: string): ToolRef {
  const entry = entries.get(name);
  if (entry) return { plugin: entry.plugin, tool: entry.tool };
  const at = name.indexOf('__');
  return at < 0 ? { plugin: name, tool: '' } : { plugin: name.slice(0, at), tool: name.slice(at + 2) };
}

/**
 * Whether results of this tool are wrapped as `{result: <value>}` in structuredContent: always when its declared
 * outputSchema does not describe an object (MCP wants an object), else only for results that are not objects.
 */
export function wrapsOutput(info: WorkerToolInfo, result?: unknown): boolean {
  if (info.outputSchema) return info.outputSchema.type !== 'object';
  return !isPlainObject(result);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The MCP view of one plugin tool. */
export function toMcpTool(entry: CatalogEntry, pluginDescription: string | null): Tool {
  const { info } = entry;
  const description = [
    info.description || pluginDescription || `Tool '${entry.tool}' of plugin '${entry.plugin}'`,
    `(Bastion plugin '${entry.plugin}'${pluginDescription ? `: ${pluginDescription}` : ''}; tool '${entry.tool}')`,
  ].join('\n\n');
  const tool: Tool = {
    name: entry.name,
    title: `${entry.plugin} / ${entry.tool}`,
    description,
    inputSchema: inputSchemaOf(info.inputSchema) as Tool['inputSchema'],
  };
  if (info.outputSchema) {
    const output = structuredClone(info.outputSchema);
    tool.outputSchema = (
      wrapsOutput(info)
        ? {
            type: 'object',
            description: 'The tool result, wrapped as {result} because it is not a JSON object',
            properties: { result: output },
            required: ['result'],
          }
        : output
    ) as Tool['outputSchema'];
  }
  return tool;
}

/** The tool's own JSON Schema, as an object schema, with binary properties described as base64 strings. */
function inputSchemaOf(schema: Schema): Schema {
  const out = structuredClone(schema);
  // Arguments are always a JSON object (MCP requires it, and so does the runner).
  out.type = 'object';
  const props = out.properties;
  if (isPlainObject(props)) {
    for (const prop of Object.values(props)) {
      if (!isPlainObject(prop) || prop.contentEncoding !== 'base64') continue;
      prop.type ??= 'string';
      prop.description = typeof prop.description === 'string' ? `${prop.description} (${BINARY_HINT})` : BINARY_HINT;
    }
  }
  return out;
}
