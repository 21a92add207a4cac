import type { HealthRecord } from '@bastion/protocol';
import { isAvailable } from './states';

/** Where the Run page opens: the last tool run from this browser, else a tool that needs only an image. */
const KEY = 'bastion.lastTool';
/** Tools a newcomer can try with just a picture, best first. */
const FIRST_CHOICES = ['object-detection/detect', 'ocr/extract_text'];

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function rememberTool(plugin: string, tool: string): void {
  storage()?.setItem(KEY, `${plugin}/${tool}`);
}

export function defaultTool(plugins: HealthRecord[]): { plugin: string; tool: string | null } | null {
  const has = (key: string) => {
    const [plugin, tool] = key.split('/');
    const p = plugins.find((x) => x.name === plugin);
    return p && isAvailable(p.state) && p.tools.includes(tool ?? '') ? { plugin: p.name, tool: tool! } : null;
  };
  const last = storage()?.getItem(KEY);
  const pick = (last ? has(last) : null) ?? FIRST_CHOICES.map(has).find(Boolean) ?? null;
  if (pick) return pick;
  const first = plugins.find((p) => isAvailable(p.state) && p.tools.length > 0) ?? plugins[0];
  return first ? { plugin: first.name, tool: first.tools[0] ?? null } : null;
}
