import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from '../../plugins/registry.js';
import type { LoadedTool } from '../../plugins/loaded-tool.js';
import { assignNames, type ToolRef } from './tool-names.js';

export interface CatalogEntry extends ToolRef {
  /** The MCP name. */
  name: string;
  info: LoadedTool;
  available: boolean;
}

interface Built {
  version: number;
  entries: Map<string, CatalogEntry>;
  /** What `tools/list` answers: the available tools, by name. */
  listed: Tool[];
}

/**
 * Every known plugin tool under its MCP name, available or not (a call to a tool of a FAILED plugin then answers
 * PLUGIN_FAILED rather than "unknown tool"). Built from the registry once per change of its tools
 * (`Registry.toolsVersion`) and shared by every session: a call or a listing only looks it up.
 */
export class McpCatalog {
  #built: Built | null = null;

  constructor(private readonly registry: Registry) {}

  entries(): Map<string, CatalogEntry> {
    return this.#current().entries;
  }

  /** The MCP tools `tools/list` answers: available ones, sorted by name. */
  listed(): Tool[] {
    return this.#current().listed;
  }

  /** The plugin tool an MCP name stands for; an unknown name is read as `<plugin>__<tool>`. */
  resolve(name: string): ToolRef & { entry: CatalogEntry | undefined } {
    const entry = this.entries().get(name);
    if (entry) return { plugin: entry.plugin, tool: entry.tool, entry };
    const at = name.indexOf('__');
    return at < 0 ? { plugin: name, tool: '', entry } : { plugin: name.slice(0, at), tool: name.slice(at + 2), entry };
  }

  #current(): Built {
    const version = this.registry.toolsVersion;
    if (this.#built?.version !== version) this.#built = this.#build(version);
    return this.#built;
  }

  #build(version: number): Built {
    const infos = new Map<string, LoadedTool>();
    const availability = new Map<string, boolean>();
    const refs: ToolRef[] = [];
    for (const plugin of this.registry.names()) {
      availability.set(plugin, this.registry.isAvailable(plugin));
      for (const info of this.registry.tools(plugin)) {
        refs.push({ plugin, tool: info.name });
        infos.set(`${plugin}\0${info.name}`, info);
      }
    }
    const entries = new Map<string, CatalogEntry>();
    for (const [name, ref] of assignNames(refs)) {
      const info = infos.get(`${ref.plugin}\0${ref.tool}`);
      if (info) entries.set(name, { ...ref, name, info, available: availability.get(ref.plugin) ?? false });
    }
    const listed = [...entries.values()]
      .filter((e) => e.available)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => toMcpTool(e, this.registry.manifest(e.plugin)?.description ?? null));
    return { version, entries, listed };
  }
}

/** The MCP view of one plugin tool: its name and description here, its schemas as loaded (LoadedTool.mcp). */
function toMcpTool(entry: CatalogEntry, pluginDescription: string | null): Tool {
  const { info } = entry;
  const description = [
    info.description || pluginDescription || `Tool '${entry.tool}' of plugin '${entry.plugin}'`,
    `(Bastion plugin '${entry.plugin}'${pluginDescription ? `: ${pluginDescription}` : ''}; tool '${entry.tool}')`,
  ].join('\n\n');
  const tool: Tool = {
    name: entry.name,
    title: `${entry.plugin} / ${entry.tool}`,
    description,
    inputSchema: info.mcp.inputSchema as Tool['inputSchema'],
  };
  if (info.mcp.outputSchema) tool.outputSchema = info.mcp.outputSchema as Tool['outputSchema'];
  return tool;
}
