import type { PluginState } from '@bastion/protocol';
import { useState } from 'react';
import { ErrorNotice } from '../components/ErrorNotice';
import { EmptyState, Spinner } from '../components/Feedback';
import { StateBadge } from '../components/StateBadge';
import { ToolForm } from '../components/ToolForm';
import { useManifest } from '../hooks/useManifest';
import type { PluginsState } from '../hooks/usePlugins';
import { defaultTool } from '../lib/last-tool';
import { hrefOf } from '../lib/route';
import { PLAIN_STATE, isAvailable } from '../lib/states';

/** "ocr has failed", "video-tracker is unavailable": a plugin's state as a sentence. */
export function stateSentence(name: string, state: PluginState): string {
  return state === 'FAILED' ? `${name} has failed` : `${name} is ${PLAIN_STATE[state].word}`;
}

export function RunPage({ data, plugin, tool }: { data: PluginsState; plugin: string | null; tool: string | null }) {
  // The file chosen for one tool stays chosen when the user switches plugin or tool.
  const [carried, setCarried] = useState<File | null>(null);
  const plugins = data.plugins;
  const fallback = plugin === null && plugins ? defaultTool(plugins) : null;
  const chosen = plugin ?? fallback?.plugin ?? null;
  const record = plugins?.find((p) => p.name === chosen) ?? null;
  const { manifest, error, loading } = useManifest(chosen);
  const toolName = tool ?? fallback?.tool ?? manifest?.tools[0]?.name ?? null;
  const descriptor = manifest?.tools.find((t) => t.name === toolName) ?? null;
  const available = record ? isAvailable(record.state) : true;

  const go = (p: string | null, t: string | null) => {
    window.location.hash = hrefOf({ page: 'run', plugin: p, tool: t });
  };

  return (
    <section aria-labelledby="run-title">
      <div className="page-head">
        <div>
          <h1 id="run-title">Run a tool</h1>
          <p className="muted">Pick a plugin and a tool; the form follows the tool’s input schema.</p>
        </div>
      </div>
      {data.error ? <ErrorNotice error={data.error} title="Could not load the plugin list" /> : null}
      {plugins === null && !data.error ? <Spinner label="Loading plugins…" /> : null}
      {plugins && plugins.length === 0 ? <EmptyState icon="◇" title="No plugins installed" /> : null}
      {plugins && plugins.length > 0 ? (
        <div className="picker card">
          <div className="picker-field">
            <label className="field-label" htmlFor="pick-plugin">
              Plugin
            </label>
            <select id="pick-plugin" className="input" value={chosen ?? ''} onChange={(e) => go(e.target.value, null)}>
              {plugins.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                  {isAvailable(p.state) ? '' : ` — ${PLAIN_STATE[p.state].word}`}
                </option>
              ))}
            </select>
          </div>
          <div className="picker-field">
            <label className="field-label" htmlFor="pick-tool">
              Tool
            </label>
            <select
              id="pick-tool"
              className="input"
              value={toolName ?? ''}
              disabled={!manifest || manifest.tools.length === 0}
              onChange={(e) => go(chosen, e.target.value)}
            >
              {(manifest?.tools ?? []).map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
          {record ? (
            <div className="picker-state">
              <StateBadge state={record.state} />
            </div>
          ) : null}
        </div>
      ) : null}
      {record && !available && record.reason ? (
        <ErrorNotice
          error={{ code: record.reason_code ?? record.state, message: record.reason }}
          title={stateSentence(record.name, record.state)}
        />
      ) : null}
      {loading ? <Spinner label="Loading tools…" /> : null}
      {error ? <ErrorNotice error={error} title="Could not load the plugin’s tools" /> : null}
      {manifest && manifest.tools.length === 0 ? (
        <EmptyState title="No tools">
          <p>This plugin has not reported any tools yet{record && !available ? ' because it is not available' : ''}.</p>
        </EmptyState>
      ) : null}
      {manifest && toolName && !descriptor ? (
        <ErrorNotice error={{ code: 'TOOL_NOT_FOUND', message: `${manifest.name} has no tool '${toolName}'` }} />
      ) : null}
      {chosen && descriptor ? (
        <ToolForm
          key={`${chosen}/${descriptor.name}`}
          plugin={chosen}
          tool={descriptor}
          available={available}
          carriedFile={carried}
          onFileChosen={setCarried}
        />
      ) : null}
    </section>
  );
}
